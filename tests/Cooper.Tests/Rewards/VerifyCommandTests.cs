using System.CommandLine;
using Cooper.Cli;
using Cooper.Cli.Commands;

namespace Cooper.Tests.Rewards;

/// <summary><c>cooper verify --gold G --pred P</c> reads a bare reference answer as training's <c>MathVerifier.Score</c> does.</summary>
public class VerifyCommandTests
{
    private static int Cooper(params string[] args)
    {
        var g = new GlobalOptions();
        var root = new RootCommand("test");
        g.AddTo(root);
        root.Subcommands.Add(VerifyCommand.Create(g));
        return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    [Theory]
    [InlineData("\\frac{3}{4}", "so \\boxed{0.75}", 0)]          // the README's example
    [InlineData("\\frac{3}{4}", "so \\boxed{0.7}", 3)]
    [InlineData("7/3", "\\frac{7}{3}", 0)]
    [InlineData("1,\\!000,\\!000", "The answer is 1000000.", 0)]
    [InlineData("2\\le|w|\\le 5", "w \\in [-5,-2]\\cup[2,5]", 0)]
    [InlineData("1\\le|w|\\le 5", "w \\in [-5,-2]\\cup[2,5]", 3)]
    public void Verify_exits_0_when_equivalent_and_3_when_not_for_a_bare_reference(string gold, string pred, int exitCode) =>
        Assert.Equal(exitCode, Cooper("verify", "--gold", gold, "--pred", pred));
}
