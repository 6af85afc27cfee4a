using Cooper.Verify.Parsing;
using Cooper.Verify.Safety;

namespace Cooper.Verify.Tests.Parsing;

/// <summary>Plain-text math ("2*pi", "exp(16)") parses to the same trees as LaTeX.</summary>
public class PlainParserTests
{
    private static string Canon(string text) => Printer.Print(MathParser.Parse(text, plain: true, Budget.Unlimited));

    [Theory]
    [InlineData("2*pi", "2 \\cdot \\pi")]
    [InlineData("pi/2", "\\frac{\\pi}{2}")]
    [InlineData("exp(16)", "\\exp\\left(16\\right)")]
    [InlineData("x**2 + 1", "{x}^{2} + 1")]
    [InlineData("2^-1", "{2}^{-1}")]
    [InlineData("sqrt(2)/2", "\\frac{\\sqrt{2}}{2}")]
    [InlineData("14.0 + -1.0i", "14.0 + -1.0 \\cdot i")]
    [InlineData("1e5", "100000")]
    [InlineData("3!", "3!")]
    [InlineData("log(8, 2)", "\\log_{2}\\left(8\\right)")]
    [InlineData("{1, 2}", "\\left\\{1, 2\\right\\}")]
    [InlineData("x <= 5", "x \\leq 5")]
    [InlineData("2x", "2 \\cdot x")]
    [InlineData("1,000", "1000")]
    public void Plain_expressions_parse_like_their_latex(string text, string canon) => Assert.Equal(canon, Canon(text));
}
