namespace Cooper.Verify.Tests.Extraction;

/// <summary>Every extraction pattern and the priority scheme between them.</summary>
public class ExtractionTests
{
    private static ParsedAnswer One(string text, ExtractionTargets? targets = null) =>
        Assert.Single(MathVerifier.Parse(text, targets ?? ExtractionTargets.LatexAndExpr));

    [Theory]
    [InlineData("Final Answer: The final answer is $(0, 1)$. I hope it is correct.", "(0, 1)", AnswerSource.FinalAnswerHope)]
    [InlineData("The final answer is 5866608. I hope it is correct. \\boxed{3}", "5866608", AnswerSource.FinalAnswerHope)]
    [InlineData("Final Answer: The largest $n$ is 34.", "34", AnswerSource.FinalAnswerIs)]
    [InlineData("Final Answer: The smallest value of $N$ is $\\boxed{14{,}916}$. I hope", "\\boxed{14{,}916}", AnswerSource.FinalAnswerIs)]
    [InlineData("She makes $18 a day.\n#### 18", "18", AnswerSource.Hashes)]
    [InlineData("so $x = \\boxed{42}$. Then 17.", "42", AnswerSource.Boxed)]
    [InlineData("Final Answer: Jane started growing Sphere 3 hours ago.", "3", AnswerSource.AnswerColon)]
    [InlineData("Q: what is 2+2?\nA: 4", "4", AnswerSource.AnswerColon)]
    [InlineData("We compute things. The answer is 3/4, I think", "3/4", AnswerSource.AnswerIs)]
    [InlineData("Answer \\( 9 \\)", "9", AnswerSource.AnswerIs)]
    [InlineData("so the area is $15$.", "15", AnswerSource.LatexEnvironment)]
    [InlineData("the area is $15$ and then 7 more words", "7", AnswerSource.Expression)]
    [InlineData("so the number is 10 which is 1,000.99m²", "1,000.99", AnswerSource.Expression)]
    public void Each_anchor_finds_its_answer(string text, string expected, AnswerSource source)
    {
        var a = One(text);
        Assert.Equal(source, a.Source);
        Assert.Equal(expected, a.Text.Trim());
    }

    [Theory]
    [InlineData("\\frac{7}{3}", "\\frac{7}{3}", AnswerSource.BareLatex)]
    [InlineData("  10,\\!080.  ", "10,\\!080", AnswerSource.BareLatex)]
    [InlineData("Thus x = \\frac{7}{3}.", "x = \\frac{7}{3}", AnswerSource.BareLatex)]
    [InlineData("So the value is\n\\frac{\\sqrt{3}}{2}", "\\frac{\\sqrt{3}}{2}", AnswerSource.BareLatex)]
    [InlineData("The area is 2\\sqrt{3} square units.", "2\\sqrt{3} square units", AnswerSource.BareLatex)]
    [InlineData("we get \\frac{7}{3} apples in all, see above", "\\frac{7}{3}", AnswerSource.BareLatex)]
    [InlineData("The answer is \\frac{\\sqrt{3}}{2}.", "\\frac{\\sqrt{3}}{2}", AnswerSource.AnswerIs)]
    [InlineData("Answer:\n10,\\!080", "10,\\!080", AnswerSource.AnswerColon)]
    public void Latex_without_delimiters_is_read_as_a_formula(string text, string expected, AnswerSource source)
    {
        var a = One(text);
        Assert.Equal(source, a.Source);
        Assert.Equal(expected, a.Text);
    }

    [Theory]
    [InlineData("We use \\textbf{induction} here.")]
    [InlineData("so we get \\frac{x}{y} apples in all")]
    [InlineData("\\textbf{Solution.} We add them up.")]
    public void Prose_around_a_command_is_not_a_formula(string text) =>
        Assert.Equal(AnswerSource.RawText, One(text).Source);

    [Fact]
    public void Final_answer_phrase_outranks_a_box()
    {
        var a = One("We get \\boxed{7}. Final Answer: The final answer is $8$. I hope it is correct.");
        Assert.Equal("8", a.Text);
    }

    [Fact]
    public void Box_outranks_answer_colon_and_bare_latex()
    {
        Assert.Equal("5", One("Answer: 3. Then $4$ and \\boxed{5} and $6$").Text);
    }

    [Fact]
    public void Boxed_priority_is_configurable()
    {
        var text = "Answer: 3. Then \\boxed{5}";
        Assert.Equal("5", One(text).Text);
        Assert.Equal("3", One(text, ExtractionTargets.LatexAndExpr with { BoxedPriority = 5 }).Text);
    }

    [Fact]
    public void Within_a_priority_the_rightmost_match_wins()
    {
        Assert.Equal("2", One("first $1$ then $2$").Text);
        Assert.Equal("b", One("\\boxed{a} long text in between that is not a connector. \\boxed{b}").Text);
    }

    [Fact]
    public void The_first_candidate_that_parses_wins()
    {
        Assert.Equal("4", One("$4$ and later $\\frac{1}{$").Text);
    }

    [Fact]
    public void Boxes_joined_by_connectors_form_one_answer()
    {
        Assert.Equal("-2, 1", One("are \\[ \\boxed{-2} \\quad \\text{and} \\quad \\boxed{1}. \\]").Text);
        Assert.Equal("1, 2", One("\\boxed{1} papers and \\boxed{2} bins").Text);
        Assert.Equal("1, 2", One("$\\boxed{1}\\boxed{2}$").Text);
    }

    [Fact]
    public void Boxed_mode_last_and_all()
    {
        var text = "\\boxed{1} and \\boxed{2}. Later, a remark. \\boxed{3}";
        Assert.Equal("3", One(text).Text);
        Assert.Equal("3", One(text, ExtractionTargets.LatexAndExpr with { Boxed = BoxedMode.Last }).Text);
        Assert.Equal("1, 2, 3", One(text, ExtractionTargets.LatexAndExpr with { Boxed = BoxedMode.All }).Text);
        Assert.Equal("1, 2", One("\\boxed{1} and \\boxed{2}").Text);
    }

    [Fact]
    public void Nested_boxes_count_once()
    {
        Assert.Equal("\\boxed{5}", One("\\boxed{\\boxed{5}}").Text);
        Assert.Equal("5", One("\\boxed{\\boxed{5}}").Canonical);
    }

    [Theory]
    [InlineData("$$ \n 9 \n $$")]
    [InlineData("\\[ 9 \\]")]
    [InlineData("\\( 9 \\)")]
    [InlineData("$9$")]
    public void Every_latex_delimiter_is_read(string text) => Assert.Equal("9", One(text, ExtractionTargets.LatexOnly).Canonical);

    [Fact]
    public void Latex_environments_joined_by_and_form_one_answer()
    {
        Assert.Equal("1, 2, 3", One("$1$ and $2$ and $3$").Canonical);
        Assert.Equal("21, 16, 11", One("$21,16$ or $11$").Canonical);
    }

    [Theory]
    [InlineData("1,000.0", "1000.0")]
    [InlineData("7,425,000", "7425000")]
    [InlineData("1 000", "1000")]
    [InlineData("1000,99", "1000.99")]
    [InlineData("0,111", "0.111")]
    [InlineData(".4", "0.4")]
    [InlineData("28 pct", "28\\%")]
    [InlineData("it rose by 12%", "12\\%")]
    [InlineData("costs $1,000.99", "1000.99")]
    [InlineData("it weighs 5 kg", "5")]
    [InlineData("-3", "-3")]
    public void Plain_numbers_handle_separators_decimal_commas_percent_and_currency(string text, string canon) =>
        Assert.Equal(canon, One(text, ExtractionTargets.ExprOnly).Canonical);

    [Theory]
    [InlineData("exp(16)", "\\exp\\left(16\\right)")]
    [InlineData("pi/2", "\\frac{\\pi}{2}")]
    [InlineData("2*pi", "2 \\cdot \\pi")]
    [InlineData("we get 16 - 3 - 4 more", "16 - 3 - 4")]
    public void Plain_expressions_are_extracted(string text, string canon) =>
        Assert.Equal(canon, One(text, ExtractionTargets.ExprOnly).Canonical);

    [Fact]
    public void Numbers_glued_to_letters_are_not_extracted()
    {
        var a = One("AZYUK2A", ExtractionTargets.ExprOnly);
        Assert.Equal(AnswerSource.RawText, a.Source);
        Assert.False(a.IsParsed);
        Assert.Equal("AZYUK2A", a.Text);
    }

    [Theory]
    [InlineData("The answer is (C).", "C")]
    [InlineData("So the correct option is \\boxed{B}", "B")]
    [InlineData("Answer: D", "D")]
    [InlineData("(A) 12 is wrong, (E) is right", "E")]
    [InlineData("B", "B")]
    public void Multiple_choice_letters_are_extracted(string text, string letter)
    {
        var a = One(text, ExtractionTargets.MultipleChoice);
        Assert.Equal(letter, a.Text);
    }

    [Fact]
    public void Given_choice_sets_and_free_words_are_extracted()
    {
        var yesNo = ExtractionTargets.MultipleChoice with { Choices = ["yes", "no"] };
        Assert.Equal("no", One("Hmm, so the answer is No.", yesNo).Text);
        Assert.Equal("Paris", One("the answer is Paris.", ExtractionTargets.Everything).Text);
    }

    [Theory]
    [InlineData("The result is \\boxed{\\frac{1}{2}}.", "\\frac{1}{2}")]
    [InlineData("... so 9 * 2 = 18\n#### 18", "18")]
    [InlineData("The answer is 42.", "42")]
    [InlineData("no numbers here at all", null)]
    [InlineData("", null)]
    public void ExtractFinalAnswer_returns_what_the_completion_commits_to(string completion, string? expected) =>
        Assert.Equal(expected, MathVerifier.ExtractFinalAnswer(completion));
}
