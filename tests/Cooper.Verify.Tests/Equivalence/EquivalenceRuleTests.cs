namespace Cooper.Verify.Tests.Equivalence;

/// <summary>Each equivalence rule, positive and negative, with the rule the verdict reports.</summary>
public class EquivalenceRuleTests
{
    private static Verdict V(string gold, string pred, VerifyOptions? o = null) => MathVerifier.Verify(gold, pred, o);

    private static void Equal(string gold, string pred, VerdictRule rule, VerifyOptions? o = null)
    {
        var v = V(gold, pred, o);
        Assert.True(v.IsEquivalent, v.Reason);
        Assert.Equal(rule, v.Rule);
    }

    private static void NotEqual(string gold, string pred, VerifyOptions? o = null)
    {
        var v = V(gold, pred, o);
        Assert.False(v.IsEquivalent, v.Reason);
    }

    [Theory]
    [InlineData("$\\frac{1}{3}$", "$\\frac{2}{6}$")]
    [InlineData("$2^{10}$", "1024")]
    [InlineData("$\\binom{10}{3}$", "120")]
    [InlineData("$\\sqrt{16}$", "4")]
    [InlineData("$\\sqrt[3]{-8}$", "-2")]
    [InlineData("$100!$", "$100!$")]
    public void Rationals_compare_exactly(string gold, string pred) => Equal(gold, pred, VerdictRule.ExactRational);

    [Theory]
    [InlineData("$1000000$", "\\boxed{1,\\!000,\\!000}")]
    [InlineData("$12500$", "$12{,}500$")]
    [InlineData("$3000$", "$3\\,000$")]
    [InlineData("$10080$", "The answer is $10,\\!080$.")]
    [InlineData("$1000000$", "$1\\;000\\;000$")]
    [InlineData("$12345$", "$12\\ 345$")]
    [InlineData("$1000$", "$1,\\! 000$ dollars")]
    [InlineData("$\\boxed{1,\\!000,\\!000}$", "1000000")]
    [InlineData("$12{,}500$", "12500")]
    [InlineData("$10,\\!080$", "$10080$")]
    public void Thousands_separators_inside_latex_are_read_on_either_side(string gold, string pred) =>
        Equal(gold, pred, VerdictRule.ExactRational);

    [Fact]
    public void A_thousands_separated_decimal_stays_a_decimal()
    {
        Equal("$1,\\!000.5$", "1000.5", VerdictRule.NumericRounded);
        NotEqual("$1,\\!000.5$", "1000.4");
    }

    [Theory]
    [InlineData("$1000$", "$1,\\!001$")]
    [InlineData("$1,\\!001$", "1000")]
    [InlineData("$2$", "$2{,}000$")]
    [InlineData("$12500$", "$12,\\!50$")]
    [InlineData("$1000$", "$1, 000$")]
    public void Thousands_separators_never_join_digits_that_are_not_a_group_of_three(string gold, string pred) => NotEqual(gold, pred);

    [Fact]
    public void Exact_rationals_never_confuse_close_values()
    {
        NotEqual("$\\frac{1}{3}$", "$\\frac{333333}{1000000}$");
        NotEqual("$2^{64}$", "$2^{64}+1$");
    }

    [Fact]
    public void Decimals_round_to_float_rounding_places()
    {
        Equal("$\\frac{1}{3}$", "0.333333", VerdictRule.NumericRounded);
        NotEqual("$\\frac{1}{3}$", "0.33");
        Equal("$\\frac{1}{3}$", "0.33", VerdictRule.NumericRounded, new VerifyOptions { FloatRounding = 2 });
        Equal("$\\sqrt{2}$", "1.414214", VerdictRule.NumericRounded);
        NotEqual("$\\pi$", "3.14");
    }

    [Fact]
    public void Tiny_decimals_compare_by_significant_digits()
    {
        NotEqual("$0.0000001$", "0");
        NotEqual("$0.00000012$", "0.00000013");
        Equal("$1.2 \\times 10^{-7}$", "0.00000012", VerdictRule.NumericRounded);
    }

    [Fact]
    public void Irrational_constants_compare_numerically()
    {
        Equal("$\\sqrt{8}$", "$2\\sqrt{2}$", VerdictRule.NumericTolerance);
        Equal("$\\frac{\\sqrt{3}}{2}$", "$\\sin(\\pi/3)$", VerdictRule.NumericTolerance);
        Equal("$e^{i\\pi}$", "-1", VerdictRule.NumericTolerance);
        NotEqual("$\\sqrt{2}$", "$\\sqrt{3}$");
    }

    [Fact]
    public void Expressions_with_variables_compare_at_seeded_points()
    {
        Equal("$(x+1)^2$", "$x^2+2x+1$", VerdictRule.SymbolicSampling);
        Equal("$\\tan^2(y)+1$", "$\\sec^2(y)$", VerdictRule.SymbolicSampling);
        Equal("$|x|$", "$\\sqrt{x^2}$", VerdictRule.SymbolicSampling);
        NotEqual("$\\sqrt{x^2}$", "$x$");
        NotEqual("$x+2n+1$", "$x+1$");
        NotEqual("$\\frac{x}{2^{40}}$", "$\\frac{x}{2^{41}}$");
    }

    [Fact]
    public void Strict_requires_matching_names_and_non_strict_renames()
    {
        NotEqual("$f(x)$", "$f(y)$");
        Equal("$f(x)$", "$f(y)$", VerdictRule.SymbolicSampling, new VerifyOptions { Strict = false });
        Equal("$a+b$", "$x+y$", VerdictRule.SymbolicSampling, new VerifyOptions { Strict = false });
        NotEqual("$a+2b$", "$x+y$", new VerifyOptions { Strict = false });
    }

    [Fact]
    public void Sets_and_lists_are_unordered_and_ignore_duplicates()
    {
        Equal("$\\{1,2,3\\}$", "$\\{3,2,1\\}$", VerdictRule.SetMatch);
        Equal("$1, 2$", "$2, 1, 2$", VerdictRule.SetMatch);
        Equal("$\\{2\\}$", "2", VerdictRule.ExactRational);
        Equal("$\\frac{3}{4}$", "The probability is $\\frac{3}{4}$ or $75\\%$.", VerdictRule.ExactRational);
        NotEqual("$\\{1,2\\}$", "$\\{1,2,3\\}$");
    }

    [Fact]
    public void Tuples_are_ordered()
    {
        Equal("$(1,\\frac{9}{2})$", "$(1,4.5)$", VerdictRule.ElementWise);
        NotEqual("$(1,2,3)$", "$(3,2,1)$");
        NotEqual("$(3,1)$", "$\\{1,3\\}$");
    }

    [Theory]
    [InlineData("$(2,5)$", "$\\{2,5\\}$")]
    [InlineData("$\\{2,5\\}$", "$(2,5)$")]
    [InlineData("$(2,5)$", "$\\{5,2\\}$")]
    [InlineData("$(2,5)$", "$2, 5$")]
    [InlineData("$2, 5$", "$(2,5)$")]
    [InlineData("$(a,b)$", "$\\{b,a\\}$")]
    [InlineData("$(1,2,3)$", "$\\{3,1,2\\}$")]
    [InlineData("$\\{3,1,2\\}$", "$(1,2,3)$")]
    public void A_tuple_equals_the_set_of_its_elements_in_increasing_order_as_in_math_verify(string gold, string pred) =>
        Equal(gold, pred, VerdictRule.SetMatch);

    [Theory]
    [InlineData("$(2,5)$", "$\\{2,6\\}$")]
    [InlineData("$\\{2,6\\}$", "$(2,5)$")]
    [InlineData("$(5,2)$", "$\\{2,5\\}$")]
    [InlineData("$\\{2,5\\}$", "$[2,5]$")]
    [InlineData("$(3,2,1)$", "$\\{1,2,3\\}$")]
    [InlineData("$(1,2,3)$", "$\\{1,2,4\\}$")]
    [InlineData("$(1,2,3)$", "$\\{1,2\\}$")]
    public void A_tuple_never_equals_other_elements_nor_does_a_decreasing_tuple_or_a_closed_interval(string gold, string pred) =>
        NotEqual(gold, pred);

    [Theory]
    [InlineData("$(1,2),(3,4)$", "$x=1,y=2;x=3,y=4$")]
    [InlineData("$x=1,y=2;x=3,y=4$", "$(1,2),(3,4)$")]
    [InlineData("$(1,2),(3,4)$", "$x=3,y=4 \\text{ or } x=1,y=2$")]
    [InlineData("$\\{(1,2),(3,4)\\}$", "$x=1,y=2;x=3,y=4$")]
    [InlineData("$(1,2)$", "$x=1,y=2$")]
    [InlineData("$x=1,y=2;x=3,y=4$", "$y=4,x=3;y=2,x=1$")]
    [InlineData("$(x,y)=(1,2)$", "$y=2,x=1$")]
    [InlineData("$(x,y)=(1,2),(3,4)$", "$x=1,y=2;x=3,y=4$")]
    public void Solutions_written_as_assignments_match_tuples_and_each_other(string gold, string pred) =>
        Equal(gold, pred, VerdictRule.SolutionMatch);

    [Theory]
    [InlineData("$(1,2),(3,4)$", "$x=1,y=2;x=3,y=5$")]
    [InlineData("$(1,2),(3,4)$", "$x=1,y=4;x=3,y=2$")]
    [InlineData("$x=1,y=2;x=3,y=4$", "$x=1,y=4;x=3,y=2$")]
    [InlineData("$(1,2),(3,4)$", "$x=1,y=2$")]
    [InlineData("$(1,2)$", "$x=2,y=1$")]
    [InlineData("$(x,y)=(1,2)$", "$x=2,y=1$")]
    [InlineData("$x=1,y=2$", "$a=1,b=2$")]
    public void Solution_lists_with_a_wrong_missing_or_mispaired_solution_are_not_equivalent(string gold, string pred) =>
        NotEqual(gold, pred);

    [Fact]
    public void Intervals_compare_endpoints_and_closedness_after_merging()
    {
        Equal("$[0,1) \\cup [1,2]$", "$[0,2]$", VerdictRule.IntervalMatch);
        Equal("$\\{-1\\} \\cup [0,7)$", "$[0,7) \\cup \\{-1\\}$", VerdictRule.IntervalMatch);
        Equal("$(-\\infty,0] \\cup [0,\\infty)$", "$\\mathbb{R}$", VerdictRule.IntervalMatch);
        NotEqual("$(-\\infty,0) \\cup (0,\\infty)$", "$\\mathbb{R}$");
        Equal("$(\\frac{3}{5},\\frac{8}{3}]$", "$(0.6,2.6667]$", VerdictRule.IntervalMatch, new VerifyOptions { FloatRounding = 2 });
        NotEqual("$(0,9)$", "$[0,9)$");
        NotEqual("$(-\\infty, 1)$", "$(-\\infty, 1]$");
    }

    [Fact]
    public void Matrices_compare_element_wise_after_arithmetic()
    {
        Equal("$\\begin{pmatrix}6 & 8 \\\\ 10 & 12\\end{pmatrix}$",
              "$\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix} + \\begin{pmatrix}5 & 6 \\\\ 7 & 8\\end{pmatrix}$", VerdictRule.ElementWise);
        Equal("$\\begin{pmatrix}1 & 3 \\\\ 2 & 4\\end{pmatrix}$", "$\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}^T$", VerdictRule.ElementWise);
        NotEqual("$\\begin{pmatrix}1 & 2\\end{pmatrix}$", "$\\begin{pmatrix}1 \\\\ 2\\end{pmatrix}$");
    }

    [Fact]
    public void Assignments_compare_through_their_value_in_both_directions()
    {
        Equal("$k=1$", "$1$", VerdictRule.AssignmentValue);
        Equal("$1$", "$k=1$", VerdictRule.AssignmentValue);
        Equal("$(p,q,r)=(3,2,7)$", "$(3,2,7)$", VerdictRule.AssignmentValue);
        Equal("$|AB|=1$", "1", VerdictRule.AssignmentValue);
    }

    [Fact]
    public void Equations_with_numbers_on_the_left_are_not_assignments()
    {
        NotEqual("$a +3z = 0$", "$0$");
        NotEqual("$2x + z = 1$", "$1$");
    }

    [Fact]
    public void Equations_match_when_sides_agree_swap_or_scale()
    {
        Equal("$x = 5$", "$5 = x$", VerdictRule.RelationMatch);
        Equal("$y = 2x + 1$", "$y - 2x = 1$", VerdictRule.RelationMatch);
        Equal("$x^2/4 + y^2/3 = 1$", "$x^2/16 + y^2/12 = 1/4$", VerdictRule.RelationMatch);
        NotEqual("$x = 5$", "$y = 5$");
        NotEqual("$x^2 = 4$", "$x = 2$");
    }

    [Fact]
    public void Inequalities_match_when_flipped_or_scaled_by_a_positive_factor()
    {
        Equal("$x \\leq 5$", "$5 \\geq x$", VerdictRule.RelationMatch);
        Equal("$2x > 10$", "$x > 5$", VerdictRule.RelationMatch);
        NotEqual("$-2x > -10$", "$x > 5$");
        NotEqual("$x > 5$", "$x \\geq 5$");
    }

    [Fact]
    public void A_gold_relation_matches_a_predicted_set_but_not_the_reverse_by_default()
    {
        Equal("$-2 \\le x \\le 7$", "$x \\in [-2,7]$", VerdictRule.IntervalMatch);
        Equal("$x > 0$", "$(0,\\infty)$", VerdictRule.IntervalMatch);
        Equal("$x \\neq 3$", "$(-\\infty, 3) \\cup (3, \\infty)$", VerdictRule.IntervalMatch);
        Equal("$0<f(x)<1$", "$(0,1)$", VerdictRule.IntervalMatch);
        NotEqual("$x \\in [-2,7]$", "$-2 \\le x \\le 7$");
        NotEqual("$(0,\\infty)$", "$x > 0$");
    }

    [Theory]
    [InlineData("$2\\le|w|\\le 5$", "$w \\in [-5,-2]\\cup[2,5]$")]
    [InlineData("$2\\le|w|\\le 5$", "$[2,5]\\cup[-5,-2]$")]
    [InlineData("$|x| < 3$", "$(-3,3)$")]
    [InlineData("$|x| < 3$", "$-3 < x < 3$")]
    [InlineData("$|x| > 2$", "$(-\\infty,-2)\\cup(2,\\infty)$")]
    [InlineData("$|x-1| \\le 2$", "$[-1,3]$")]
    [InlineData("$|x| = 3$", "$\\{-3, 3\\}$")]
    [InlineData("$|x| \\ge 0$", "$\\mathbb{R}$")]
    public void A_relation_on_an_absolute_value_is_the_set_of_both_signs(string gold, string pred) =>
        Equal(gold, pred, VerdictRule.IntervalMatch);

    [Theory]
    [InlineData("$1\\le|w|\\le 5$", "$w \\in [-5,-2]\\cup[2,5]$")]
    [InlineData("$2<|w|\\le 5$", "$w \\in [-5,-2]\\cup[2,5]$")]
    [InlineData("$2\\le|w|\\le 5$", "$w \\in [2,5]$")]
    [InlineData("$2\\le|w|\\le 5$", "$w \\in [-5,5]$")]
    [InlineData("$|x-1| \\le 2$", "$[-3,1]$")]
    [InlineData("$|x| = 3$", "$\\{-3, 2\\}$")]
    public void An_absolute_value_relation_never_matches_a_set_with_other_bounds_or_one_sign_only(string gold, string pred) =>
        NotEqual(gold, pred);

    [Fact]
    public void A_gold_union_matches_a_predicted_absolute_value_relation_only_with_allow_set_relation_comp()
    {
        NotEqual("$w \\in [-5,-2]\\cup[2,5]$", "$2\\le|w|\\le 5$");
        Equal("$w \\in [-5,-2]\\cup[2,5]$", "$2\\le|w|\\le 5$", VerdictRule.IntervalMatch, new VerifyOptions { AllowSetRelationComp = true });
    }

    [Fact]
    public void Allow_set_relation_comp_lets_a_predicted_relation_match_a_gold_set()
    {
        var o = new VerifyOptions { AllowSetRelationComp = true };
        Equal("$x \\in [-2,7]$", "$-2 \\le x \\le 7$", VerdictRule.IntervalMatch, o);
        Equal("$(0,\\infty)$", "$x > 0$", VerdictRule.IntervalMatch, o);
    }

    [Fact]
    public void Percentages_match_their_number_and_their_fraction()
    {
        Equal("$50\\%$", "0.5", VerdictRule.Percent);
        Equal("$50\\%$", "50", VerdictRule.Percent);
        Equal("$28\\%$", "28 pct", VerdictRule.Percent);
        NotEqual("$50\\%$", "5");
    }

    [Fact]
    public void Words_and_choice_letters_match_after_normalisation()
    {
        Equal("\\(\\boxed{\\text{C}}\\).", "$\\boxed{\\text{(C)}}.$", VerdictRule.TextMatch);
        Equal("$\\text{Even}$", "$Even$", VerdictRule.TextMatch);
        Equal("$\\text{yes}$", "$\\text{Yes}$", VerdictRule.TextMatch);
        NotEqual("$\\text{odd}$", "$\\text{even}$");
    }

    [Fact]
    public void Infinities_compare_by_sign()
    {
        Equal("$\\infty$", "$+\\infty$", VerdictRule.Structural);
        NotEqual("$-\\infty$", "$\\infty$");
    }

    [Fact]
    public void Values_beyond_double_range_fall_back_to_structure()
    {
        Equal("$10^{10^{10}}$", "$10^{10^{10}}$", VerdictRule.Structural);
        NotEqual("$10^{10^{10}}$", "$10^{10^{9}}$");
        NotEqual("$\\frac{\\pi}{2004!}$", "$\\frac{\\pi}{2006!}$");
    }

    [Fact]
    public void Unparseable_answers_match_only_as_identical_text()
    {
        var v = V("\\boxed{\\frac{1}{}", "\\boxed{\\frac{1}{}");
        Assert.True(v.IsEquivalent, v.Reason);
        NotEqual("\\boxed{\\frac{1}{}", "\\boxed{\\frac{2}{}");
    }
}
