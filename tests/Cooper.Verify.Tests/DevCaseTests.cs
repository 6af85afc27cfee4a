using Xunit.Abstractions;

namespace Cooper.Verify.Tests;

/// <summary>Agreement with the expectations of Math-Verify's own test suite (../shared/verifier, copied to Data/).</summary>
public class DevCaseTests(ITestOutputHelper output)
{
    [Fact]
    public void Agreement_with_the_math_verify_dev_cases_is_at_least_97_percent()
    {
        var cases = TestData.DevCases;
        var disagreements = new List<string>();
        foreach (var c in cases)
        {
            var v = MathVerifier.Verify(c.Gold, c.Pred, c.Options);
            if (v.IsEquivalent != c.Expected)
                disagreements.Add($"{c}: expected {c.Expected}, got {v.IsEquivalent} ({v.Rule}: {v.Reason})");
        }
        double agreement = 1 - (double)disagreements.Count / cases.Count;
        output.WriteLine($"agreement {cases.Count - disagreements.Count}/{cases.Count} = {agreement:P2}");
        foreach (var d in disagreements) output.WriteLine(d);
        Assert.True(agreement >= 0.97, $"agreement {agreement:P2} < 97%:\n{string.Join("\n", disagreements)}");
    }

    [Fact]
    public void The_dev_file_has_the_expected_shape()
    {
        Assert.Equal(115, TestData.DevCases.Count);
        Assert.Contains(TestData.DevCases, c => !c.Expected);
        Assert.Contains(TestData.DevCases, c => !c.Options.Strict);
        Assert.Contains(TestData.DevCases, c => c.Options.AllowSetRelationComp);
    }
}
