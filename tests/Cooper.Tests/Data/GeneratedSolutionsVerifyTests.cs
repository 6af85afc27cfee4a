// The embedded task checked by the rule verifier (Cooper.Verify.MathVerifier), kept apart from the
// data tests because it couples two components.
using Cooper.Data;
using Cooper.Data.Embedded;
using Cooper.Verify;

namespace Cooper.Tests.Data;

public class GeneratedSolutionsVerifyTests
{
    private static readonly IReadOnlyList<MathProblem> s_problems =
        EmbeddedTask.Generate(3, 600, 0, 0).Train;

    [Fact]
    public void The_rule_verifier_accepts_every_generated_worked_solution()
    {
        foreach (var p in s_problems)
        {
            Assert.Equal(p.ReferenceAnswer, MathVerifier.ExtractFinalAnswer(p.Solution!));
            Assert.True(MathVerifier.Score(p.Solution!, p.ReferenceAnswer), $"{p.Id}: rejected\n{p.Solution}");
        }
    }

    [Fact]
    public void The_rule_verifier_rejects_a_generated_solution_whose_boxed_answer_is_changed()
    {
        foreach (var p in s_problems.Take(200))
        {
            var wrong = p.Solution!.Replace($"\\boxed{{{p.ReferenceAnswer}}}", "\\boxed{10001}");
            Assert.False(MathVerifier.Score(wrong, p.ReferenceAnswer), $"{p.Id}: accepted 10001 for {p.ReferenceAnswer}");
        }
    }

    [Theory]
    [InlineData("The answer is \\boxed{0.75}.", "\\frac{3}{4}")]
    [InlineData("The answer is \\boxed{6/8}.", "\\frac{3}{4}")]
    [InlineData("The answer is \\boxed{2.5}.", "\\frac{5}{2}")]
    [InlineData("The answer is \\boxed{\\frac{1}{2}}.", "0.5")]
    [InlineData("The answer is \\boxed{40\\%}.", "40\\%")]
    public void Answers_in_another_format_of_the_same_number_are_accepted(string completion, string reference)
    {
        Assert.True(MathVerifier.Score(completion, reference));
    }
}
