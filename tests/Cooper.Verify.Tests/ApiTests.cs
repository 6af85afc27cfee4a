namespace Cooper.Verify.Tests;

/// <summary>The public surface: options validation, never-throwing Verify, explanations.</summary>
public class ApiTests
{
    [Theory]
    [InlineData(-1, 15)]
    [InlineData(6, 0)]
    public void Validate_names_the_setting_to_change(int rounding, int precision)
    {
        var o = new VerifyOptions { FloatRounding = rounding, NumericPrecision = precision };
        var e = Assert.Throws<ArgumentException>(o.Validate);
        Assert.Contains(rounding < 0 ? "FloatRounding" : "NumericPrecision", e.Message);
    }

    [Fact]
    public void Targets_selecting_nothing_are_rejected()
    {
        var t = new ExtractionTargets { Latex = false, Expr = false };
        Assert.Throws<ArgumentException>(t.Validate);
        Assert.Throws<ArgumentException>(() => ExtractionTargets.FromNames(["latex", "regex"]));
    }

    [Fact]
    public void Verify_never_throws_even_for_invalid_options_or_null_text()
    {
        var bad = MathVerifier.Verify("1", "1", new VerifyOptions { TimeBudget = TimeSpan.Zero });
        Assert.False(bad.IsEquivalent);
        Assert.Equal(VerdictRule.Error, bad.Rule);
        Assert.Contains("TimeBudget", bad.Reason);
        var nulls = MathVerifier.Verify(null!, null!);
        Assert.False(nulls.IsEquivalent);
    }

    [Fact]
    public void A_verdict_explains_itself()
    {
        var v = MathVerifier.Verify("$\\frac{1}{2}$", "We find that $x = \\boxed{0.5}$.");
        Assert.True(v.IsEquivalent);
        Assert.Equal("\\frac{1}{2}", v.GoldExtracted);
        Assert.Equal("0.5", v.PredictionExtracted);
        Assert.Equal(VerdictRule.NumericRounded, v.Rule);
        Assert.Contains("Boxed", v.Reason);

        var no = MathVerifier.Verify("$3$", "no idea");
        Assert.False(no.IsEquivalent);
        Assert.Equal(VerdictRule.NotEquivalent, no.Rule);
        Assert.Contains("unparsed", no.Reason);
    }

    [Fact]
    public void Parse_reports_the_source_and_canonical_form()
    {
        var a = Assert.Single(MathVerifier.Parse("The final answer is $\\dfrac{3}{6}$. I hope it is correct.", ExtractionTargets.LatexAndExpr));
        Assert.Equal(AnswerSource.FinalAnswerHope, a.Source);
        Assert.True(a.IsParsed);
        Assert.Equal("\\frac{3}{6}", a.Canonical);
    }

    [Fact]
    public void Default_options_equal_math_verify_defaults()
    {
        var o = VerifyOptions.Default;
        Assert.Equal(6, o.FloatRounding);
        Assert.Equal(15, o.NumericPrecision);
        Assert.True(o.Strict);
        Assert.False(o.AllowSetRelationComp);
        Assert.True(o.GoldTargets.Latex && o.GoldTargets.Expr && !o.GoldTargets.Strings);
    }
}

public class ScoreReferenceTests
{
    [Theory]
    [InlineData("The answer is \\boxed{0.75}.", "\\frac{3}{4}", true)]
    [InlineData("The answer is \\boxed{\\dfrac{3}{4}}.", "$\\frac{3}{4}$", true)]
    [InlineData("so \\boxed{18}", "18", true)]
    [InlineData("so \\boxed{19}", "18", false)]
    [InlineData("The answer is \\boxed{0.7}.", "\\frac{3}{4}", false)]
    [InlineData("#### 72", "\\boxed{72}", true)]
    public void Score_reads_bare_latex_references(string completion, string reference, bool expected)
        => Assert.Equal(expected, Cooper.Verify.MathVerifier.Score(completion, reference));

    [Theory]
    [InlineData("7/3", "\\frac{7}{3}", true)]
    [InlineData("\\frac{7}{3}", "7/3", true)]
    [InlineData("7/3", "\\frac{7}{4}", false)]
    [InlineData("\\frac{3}{4}", "so \\boxed{0.75}", true)]            // the README's `cooper verify` example
    [InlineData("\\frac{3}{4}", "so \\boxed{0.7}", false)]
    [InlineData("\\sqrt{2}", "$\\sqrt{2}$", true)]
    [InlineData("\\sqrt{2}", "$2$", false)]
    [InlineData("$\\frac{7}{3}$", "Thus x = \\frac{7}{3}", true)]
    [InlineData("$\\frac{7}{3}$", "Thus x = \\frac{7}{4}", false)]
    [InlineData("\\text{Monday}", "$\\text{Monday}$", true)]
    [InlineData("1,\\!000,\\!000", "1000000", true)]
    [InlineData("1,\\!001", "1000", false)]
    public void Verify_reads_bare_latex_on_either_side_as_Score_does(string reference, string prediction, bool expected)
    {
        var v = MathVerifier.Verify(reference, prediction);
        Assert.True(expected == v.IsEquivalent, v.Reason);
        Assert.Equal(expected, MathVerifier.Score(prediction, reference));
    }

    [Theory]
    [InlineData("\\frac{3}{4}", "$\\frac{3}{4}$")]
    [InlineData("$x$", "$x$")]
    [InlineData("\\boxed{2}", "\\boxed{2}")]
    public void AsGold_wraps_only_bare_references(string reference, string gold)
        => Assert.Equal(gold, Cooper.Verify.MathVerifier.AsGold(reference));
}
