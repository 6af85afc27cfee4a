namespace Cooper.Verify.Tests.Equivalence;

/// <summary>Math-Verify's known false positives and false negatives, each fixed here.</summary>
public class KnownMathVerifyFailureTests
{
    [Theory]
    [InlineData("$\\frac{1}{2004!}$", "$\\frac{1}{2006!}$")]
    [InlineData("$\\frac{1}{2^{99}}$", "$\\frac{1}{2^{98}}$")]
    [InlineData("$\\frac{1}{2^{99}}$", "0.0000000")]
    [InlineData("$n=2,3,4$", "$n=1,2,3$")]
    [InlineData("$4$", "$4\\sqrt(2)$")]
    public void False_positives_are_rejected(string gold, string pred)
    {
        var v = MathVerifier.Verify(gold, pred);
        Assert.False(v.IsEquivalent, v.Reason);
    }

    [Theory]
    [InlineData("$e^{16}$", "exp(16)")]
    [InlineData("$\\frac{\\pi}{2}$", "pi/2")]
    [InlineData("$2\\pi$", "2*pi")]
    [InlineData("$14 - i$", "14.0 + -1.0i")]
    [InlineData("$4\\sqrt{2}$", "$4\\sqrt(2)$")]
    [InlineData("$n=2,3,4$", "$2, 3, 4$")]
    [InlineData("$\\frac{1}{2^{99}}$", "$2^{-99}$")]
    public void False_negatives_on_plain_text_and_malformed_latex_are_accepted(string gold, string pred)
    {
        var v = MathVerifier.Verify(gold, pred);
        Assert.True(v.IsEquivalent, v.Reason);
    }
}
