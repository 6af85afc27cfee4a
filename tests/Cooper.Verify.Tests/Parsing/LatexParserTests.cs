using Cooper.Verify.Numerics;
using Cooper.Verify.Parsing;
using Cooper.Verify.Safety;

namespace Cooper.Verify.Tests.Parsing;

/// <summary>Each LaTeX construct the issue lists parses to the expected tree (shown as canonical LaTeX).</summary>
public class LatexParserTests
{
    internal static Node Parse(string latex) => MathParser.Parse(latex, plain: false, Budget.Unlimited);

    private static string Canon(string latex) => Printer.Print(Parse(latex));

    [Theory]
    [InlineData("123456789012345678901234567890", "123456789012345678901234567890")]
    [InlineData("-42", "-42")]
    [InlineData("3.25", "3.25")]
    [InlineData(".5", "0.5")]
    [InlineData("10{,}000", "10000")]
    [InlineData("16,\\!386.20", "16386.20")]
    [InlineData("1\\,000", "1000")]
    [InlineData("7,425,000", "7425000")]
    [InlineData("12 345", "12345")]
    [InlineData("1,\\!000,\\!000", "1000000")]
    [InlineData("1,\\! 000", "1000")]
    [InlineData("1,\\,000", "1000")]
    [InlineData("1{,}000{,}000", "1000000")]
    [InlineData("1\\;000\\;000", "1000000")]
    [InlineData("12\\ 345", "12345")]
    [InlineData("1~000", "1000")]
    [InlineData("1{,}5", "1.5")]
    [InlineData("1.5e-3", "0.0015")]
    [InlineData("0.1\\overline{6}", "\\frac{1}{6}")]
    [InlineData("0.\\overline{3}", "\\frac{1}{3}")]
    public void Numbers_of_any_size_with_separators_parse_exactly(string latex, string canon) =>
        Assert.Equal(canon, Canon(latex));

    [Theory]
    [InlineData("1, 000", "1, 0")]
    [InlineData("12,\\!50", "12, 50")]
    [InlineData("1{,}5", "1.5")]
    [InlineData("1\\,0000", "1 \\cdot 0")]
    public void A_separator_needs_a_group_of_exactly_three_digits_after_it_and_a_bare_comma_stays_a_list(string latex, string canon) =>
        Assert.Equal(canon, Canon(latex));

    [Theory]
    [InlineData("\\frac{1}{3}", "\\frac{1}{3}")]
    [InlineData("\\dfrac{1}{3}", "\\frac{1}{3}")]
    [InlineData("\\tfrac12", "\\frac{1}{2}")]
    [InlineData("\\frac3{3}", "\\frac{3}{3}")]
    [InlineData("1/3", "\\frac{1}{3}")]
    [InlineData("\\frac{\\pi r}{h+r}", "\\frac{\\pi \\cdot r}{h + r}")]
    [InlineData("3\\frac{1}{2}", "3 + \\frac{1}{2}")]
    public void Fractions_in_every_spelling_become_divisions(string latex, string canon) =>
        Assert.Equal(canon, Canon(latex));

    [Theory]
    [InlineData("\\sqrt{2}", "\\sqrt{2}")]
    [InlineData("\\sqrt 2", "\\sqrt{2}")]
    [InlineData("\\sqrt[3]{x}", "\\sqrt[3]{x}")]
    [InlineData("4\\sqrt(2)", "4 \\cdot \\sqrt{2}")]
    [InlineData("x^2", "{x}^{2}")]
    [InlineData("2^{10}", "{2}^{10}")]
    [InlineData("e^{i\\pi}", "{e}^{i \\cdot \\pi}")]
    [InlineData("x^{-1}", "{x}^{-1}")]
    public void Roots_and_powers_parse(string latex, string canon) => Assert.Equal(canon, Canon(latex));

    [Theory]
    [InlineData("\\sin x", "\\sin\\left(x\\right)")]
    [InlineData("\\sin^2(y)", "{\\sin\\left(y\\right)}^{2}")]
    [InlineData("\\sin^{-1} x", "\\arcsin\\left(x\\right)")]
    [InlineData("\\arctan(1)", "\\arctan\\left(1\\right)")]
    [InlineData("\\cos 2x", "\\cos\\left(2 \\cdot x\\right)")]
    [InlineData("\\log_2 8", "\\log_{2}\\left(8\\right)")]
    [InlineData("\\ln(x)", "\\ln\\left(x\\right)")]
    [InlineData("\\log x", "\\ln\\left(x\\right)")]
    [InlineData("\\exp(16)", "\\exp\\left(16\\right)")]
    [InlineData("5!", "5!")]
    [InlineData("\\binom{5}{2}", "\\binom{5}{2}")]
    [InlineData("{5 \\choose 2}", "\\binom{5}{2}")]
    [InlineData("\\gcd(4, 6)", "\\gcd\\left(4, 6\\right)")]
    [InlineData("|x|", "\\left|x\\right|")]
    [InlineData("\\lfloor x \\rfloor", "\\lfloor x \\rfloor")]
    public void Functions_parse_with_and_without_parentheses(string latex, string canon) => Assert.Equal(canon, Canon(latex));

    [Theory]
    [InlineData("2 \\cdot 3", "2 \\cdot 3")]
    [InlineData("2 \\times 3", "2 \\cdot 3")]
    [InlineData("6 \\div 3", "\\frac{6}{3}")]
    [InlineData("2x", "2 \\cdot x")]
    [InlineData("2\\pi r", "2 \\cdot \\pi \\cdot r")]
    [InlineData("(a)(b)", "a \\cdot b")]
    [InlineData("\\left( \\frac{1}{3} \\right)", "\\frac{1}{3}")]
    [InlineData("\\left[\\frac12\\right]", "\\frac{1}{2}")]
    [InlineData("A:B", "\\frac{A}{B}")]
    public void Products_quotients_and_delimiters_parse(string latex, string canon) => Assert.Equal(canon, Canon(latex));

    [Theory]
    [InlineData("3 \\pm 2\\sqrt{2}", "3 + 2 \\cdot \\sqrt{2}, 3 - 2 \\cdot \\sqrt{2}")]
    [InlineData("\\pm 1", "1, -1")]
    [InlineData("\\{1, 2, 3\\}", "\\left\\{1, 2, 3\\right\\}")]
    [InlineData("{1,2,3}", "\\left\\{1, 2, 3\\right\\}")]
    [InlineData("\\emptyset", "\\emptyset")]
    [InlineData("(1, 2, 3)", "\\left(1, 2, 3\\right)")]
    [InlineData("(0;-2;6)", "\\left(0, -2, 6\\right)")]
    [InlineData("[0, 1)", "\\left[0, 1\\right)")]
    [InlineData("(1, \\infty)", "\\left(1, \\infty\\right)")]
    [InlineData("(-\\infty, 0] \\cup [1, +\\infty)", "\\left(-\\infty, 0\\right] \\cup \\left[1, \\infty\\right)")]
    [InlineData("\\{-1\\} \\cup [0,7)", "\\left\\{-1\\right\\} \\cup \\left[0, 7\\right)")]
    [InlineData("\\mathbb{R}", "\\left(-\\infty, \\infty\\right)")]
    public void Plus_minus_sets_tuples_intervals_and_unions_parse(string latex, string canon) => Assert.Equal(canon, Canon(latex));

    [Theory]
    [InlineData("\\begin{pmatrix}1 & 0 \\\\ 0 & 1\\end{pmatrix}", "\\begin{pmatrix}1 & 0 \\\\ 0 & 1\\end{pmatrix}")]
    [InlineData("\\begin{bmatrix}1 & 2\\\\3 & 4\\end{bmatrix}", "\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}")]
    [InlineData("\\left[\\begin{array}{cc}1 & 2 \\\\3 & 4\\end{array}\\right]", "\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}")]
    [InlineData("\\begin{pmatrix}1\\\\2\\\\\\end{pmatrix}", "\\begin{pmatrix}1 \\\\ 2\\end{pmatrix}")]
    public void Matrices_parse_in_every_environment(string latex, string canon) => Assert.Equal(canon, Canon(latex));

    [Fact]
    public void Matrix_sums_and_scalar_multiples_are_carried_out()
    {
        var m = Assert.IsType<MatrixNode>(Parse("\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix} + 2\\begin{pmatrix}5 & 6 \\\\ 7 & 8\\end{pmatrix}"));
        Assert.Equal(2, m.RowCount);
        Assert.Equal(2, m.ColCount);
    }

    [Theory]
    [InlineData("x = 5", "x = 5")]
    [InlineData("2 \\le x < 7", "2 \\leq x < 7")]
    [InlineData("x >= 5", "x \\geq 5")]
    [InlineData("x != 3", "x \\neq 3")]
    [InlineData("x \\neq 3", "x \\neq 3")]
    [InlineData("x \\in [-2, 7]", "x \\in \\left[-2, 7\\right]")]
    [InlineData("x = 5+5+1 = 7 = 11", "x = 11")]
    [InlineData("x=1/3\\approx0.33", "x = \\frac{1}{3}")]
    [InlineData("x \\approx 11", "x \\approx 11")]
    [InlineData("-2 \\\\le x \\\\le 7", "-2 \\leq x \\leq 7")]
    public void Equations_inequalities_and_chains_parse(string latex, string canon) => Assert.Equal(canon, Canon(latex));

    [Theory]
    [InlineData("1, 2, and 3", "1, 2, 3")]
    [InlineData("(11,7)or(7,11)", "\\left(11, 7\\right), \\left(7, 11\\right)")]
    [InlineData("p = -1 \\text{ and } p = 2", "p = -1, p = 2")]
    [InlineData("n = 2, 3, 4", "n = 2, n = 3, n = 4")]
    [InlineData("x_{1}=1,\\quadx_{2}=2", "x_{1} = 1, x_{2} = 2")]
    public void Lists_split_on_commas_words_and_quads(string latex, string canon) => Assert.Equal(canon, Canon(latex));

    [Theory]
    [InlineData("a_3", "a_{3}")]
    [InlineData("a_{37}", "a_{37}")]
    [InlineData("x_{n+1}", "x_{n + 1}")]
    [InlineData("\\alpha_1", "\\alpha_{1}")]
    [InlineData("f(x)", "f\\left(x\\right)")]
    [InlineData("f'(x)", "f'\\left(x\\right)")]
    public void Symbols_keep_subscripts_and_primes(string latex, string canon) => Assert.Equal(canon, Canon(latex));

    [Theory]
    [InlineData("90^\\circ", "90")]
    [InlineData("90^{\\circ}", "90")]
    [InlineData("28\\%", "28\\%")]
    [InlineData("15\\mbox{ cm}^2", "15")]
    [InlineData("0.06 \\text{ yuan}", "0.06")]
    [InlineData("\\$16386.17", "16386.17")]
    [InlineData("\\text{Even}", "\\text{Even}")]
    [InlineData("\\text{13}", "13")]
    [InlineData("\\boxed{\\frac{1}{3}}", "\\frac{1}{3}")]
    [InlineData("\\displaystyle \\frac{1}{2}", "\\frac{1}{2}")]
    public void Units_degrees_percent_text_and_styling_are_handled(string latex, string canon) => Assert.Equal(canon, Canon(latex));

    [Theory]
    [InlineData("\\frac{1}{")]
    [InlineData("\\undefinedcommand{x}")]
    [InlineData("(1, 2]]")]
    [InlineData("")]
    [InlineData("x = ")]
    public void Malformed_latex_is_rejected_with_a_parse_error(string latex) =>
        Assert.Throws<ParseException>(() => Parse(latex));

    [Fact]
    public void Big_integers_stay_exact()
    {
        var literal = Assert.IsType<NumberNode>(Parse("1606938044258990275541962092341162602522202993782792835301376"));
        var power = Cooper.Verify.Equivalence.ExactEvaluator.Evaluate(Parse("2^{200}"), Budget.Unlimited);
        Assert.Equal(BigRational.FromInteger(System.Numerics.BigInteger.Pow(2, 200)), literal.Value);
        Assert.Equal(literal.Value, power);
    }
}
