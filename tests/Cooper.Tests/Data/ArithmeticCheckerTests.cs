using Cooper.Data;
using Cooper.Data.Embedded;

namespace Cooper.Tests.Data;

public class ArithmeticCheckerTests
{
    [Fact]
    public void Correct_steps_and_final_answer_are_judged_correct()
    {
        var r = ArithmeticChecker.Check("Cost: 3*12=36.\nTotal: 36+5=41.\nThe answer is \\boxed{41}.", "41");
        Assert.True(r.Correct);
        Assert.Equal(["3*12=36", "36+5=41"], r.Steps.Select(s => s.Text));
        Assert.Equal("41", r.FinalAnswer);
    }

    [Fact]
    public void One_wrong_step_makes_the_completion_incorrect_even_with_the_right_answer()
    {
        var r = ArithmeticChecker.Check("3*12=35\n35+6=41\nThe answer is \\boxed{41}.", "41");
        Assert.False(r.Correct);
        Assert.Equal("step 1 '3*12=35' is wrong: it comes to 36", r.Reason);
    }

    [Fact]
    public void Right_steps_with_a_wrong_final_answer_are_incorrect()
    {
        var r = ArithmeticChecker.Check("3*12=36. 36+5=41. The answer is \\boxed{42}.", "41");
        Assert.False(r.Correct);
        Assert.Contains("does not match", r.Reason);
    }

    [Fact]
    public void No_final_answer_gives_no_label_unless_a_step_is_wrong()
    {
        Assert.Null(ArithmeticChecker.Check("3*12=36 and 36+5=41", "41").Correct);
        Assert.False(ArithmeticChecker.Check("3*12=37 and 37+5=42", "41").Correct);
        Assert.Null(ArithmeticChecker.Check("", "41").Correct);
    }

    [Theory]
    [InlineData("\\boxed{\\frac{3}{4}}", "0.75", true)]
    [InlineData("The answer is 3/4.", "0.75", true)]
    [InlineData("\\boxed{75\\%}", "0.75", true)]
    [InlineData("\\boxed{0.7}", "0.75", false)]
    [InlineData("\\boxed{0.4}", "40\\%", true)]
    [InlineData("\\boxed{40}", "40\\%", true)]
    [InlineData("\\boxed{40\\%}", "40\\%", true)]
    [InlineData("\\boxed{4}", "40\\%", false)]
    [InlineData("\\boxed{\\dfrac{6}{8}}", "\\frac{3}{4}", true)]
    [InlineData("\\boxed{0.33}", "\\frac{1}{3}", true)]     // two places: a rounding of 1/3
    [InlineData("\\boxed{0.3}", "\\frac{1}{3}", false)]     // one place is too coarse for a final answer
    [InlineData("\\boxed{2.5}", "2.50", true)]
    [InlineData("\\boxed{3}", "2.5", false)]
    [InlineData("The answer is 41 apples.", "41", true)]
    [InlineData("The answer is: 12.5.", "12.5", true)]
    [InlineData("\\boxed{\\$1,200}", "1200", true)]
    [InlineData("\\boxed{x = 7}", "7", true)]
    [InlineData("\\boxed{41 \\text{ km}}", "41", true)]
    [InlineData("#### 2,125", "2125", true)]
    [InlineData("\\boxed{x + 1}", "x+1", true)]
    [InlineData("\\boxed{seven}", "7", false)]
    public void Final_answers_are_compared_as_numbers(string completion, string reference, bool expected)
    {
        Assert.Equal(expected, ArithmeticChecker.Check(completion, reference).Correct);
    }

    [Theory]
    [InlineData("15/6=2.5", true)]
    [InlineData("10/3=3.33", true)]      // rounded
    [InlineData("2/3=0.66", true)]       // truncated
    [InlineData("7/2=3.4", false)]       // 3.5 fits one place, so 3.4 is simply wrong
    [InlineData("10/4=2.4", false)]
    [InlineData("2+3*4=14", true)]       // precedence
    [InlineData("2+3*4=20", false)]
    [InlineData("16 - 3 - 4 = 9", true)]
    [InlineData("$1,200 + $300 = $1,500", true)]
    [InlineData("\\frac{1}{2}*6=3", true)]
    [InlineData("6/8=\\frac{3}{4}", true)]
    [InlineData("6/8=\\frac{2}{3}", false)]
    [InlineData("5 x 3 = 15", true)]
    [InlineData("5 \\times 3 = 16", false)]
    [InlineData("3-5=-2", true)]
    [InlineData("5/0=1", false)]
    public void Each_equation_is_recomputed_exactly(string step, bool correct)
    {
        var steps = ArithmeticChecker.FindSteps(step);
        Assert.Single(steps);
        Assert.Equal(correct, steps[0].Correct);
    }

    [Theory]
    [InlineData("If x^2+3=7 then x=2.")]       // exponent
    [InlineData("(2+3)*4=20")]                 // brackets: only "3)*4" would be seen, which is no equation
    [InlineData("y = 2x + 3 = 7")]             // a variable
    [InlineData("40%*50=20")]                  // percent signs are not judged
    [InlineData("0.4*100=40%")]
    [InlineData("Step 1.5: 3 = 3")]            // no operator
    [InlineData("3 / 2 = 1 1/2 hours")]        // a mixed number on the right (these three are from GSM8K's test split)
    [InlineData("$350 000 + $17500 + $42000 = $409 500")] // thousands separated by spaces
    [InlineData("Nikita = (1/2) 278 + 11 = 150 points")]  // implicit multiplication by a bracket
    public void Equations_it_cannot_read_reliably_are_not_judged(string text)
    {
        Assert.Empty(ArithmeticChecker.FindSteps(text));
    }

    [Fact]
    public void A_real_slip_in_a_gsm8k_solution_is_caught()
    {
        // GSM8K test split: "So, Suzzane has $32 - $20 = $300 left.\n#### 300".
        var r = ArithmeticChecker.Check("So, Suzzane has $32 - $20 = $300 left.\n#### 300", "300");
        Assert.False(r.Correct);
        Assert.Equal("step 1 '$32 - $20=$300' is wrong: it comes to 12", r.Reason);
    }

    [Fact]
    public void Chained_equations_are_judged_link_by_link()
    {
        var steps = ArithmeticChecker.FindSteps("3*4=12+5=17");
        // "3*4=12+5" has an expression on the right, so only "12+5=17" is a clean step.
        Assert.Equal(["12+5=17"], steps.Select(s => s.Text));
        Assert.True(steps[0].Correct);
    }

    [Fact]
    public void Real_gsm8k_solutions_with_calculator_annotations_check_out()
    {
        var result = DatasetReader.Load(DataTestFiles.Fixture("gsm8k_test_sample.jsonl"));
        foreach (var p in result.Problems)
        {
            var r = ArithmeticChecker.Check($"{p.Solution}\n#### {p.ReferenceAnswer}", p.ReferenceAnswer);
            Assert.True(r.Correct == true, r.Reason);
            Assert.NotEmpty(r.Steps);
        }
        // Janet's ducks: 16-3-4=9 and 9*2=18, each written twice (in the text and in the annotation).
        var ducks = ArithmeticChecker.FindSteps(result.Problems[0].Solution!);
        Assert.Equal(["16-3-4=9", "9*2=18"], ducks.Select(s => s.Text));
    }
}
