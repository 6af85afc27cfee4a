using System.CommandLine;
using System.Text.Json.Nodes;
using Cooper.Cli;
using Cooper.Cli.Commands;
using Cooper.Tests.Modeling;

namespace Cooper.Tests.Cli;

/// <summary>
/// <c>cooper verify --cases</c> with nothing to verify and <c>cooper model parity</c> with a reference that does
/// not match: a non-zero exit and a reason. They swap Console.Out and Console.Error, so they run alone.
/// </summary>
[Collection("NonParallel")]
public class VerifyAndParityErrorTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var g = new GlobalOptions();
        var root = new RootCommand("test");
        g.AddTo(root);
        root.Subcommands.Add(VerifyCommand.Create(g));
        root.Subcommands.Add(ModelCommands.Create(g));
        var (previousOut, previousErr) = (Console.Out, Console.Error);
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            int code = root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
            return (code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousErr);
        }
    }

    [Fact]
    public void Verify_cases_on_an_empty_file_exits_non_zero_naming_the_file()
    {
        using var tmp = new TempDir();
        var path = Path.Combine(tmp.Path, "cases.jsonl");
        File.WriteAllText(path, "\n\n");

        var (code, _, err) = Run("verify", "--cases", path);

        Assert.NotEqual(0, code);
        Assert.Contains($"error: {path}: no cases", err);
    }

    [Fact]
    public void Verify_cases_on_a_file_of_invalid_lines_exits_non_zero_naming_the_file_and_the_line()
    {
        using var tmp = new TempDir();
        var path = Path.Combine(tmp.Path, "cases.jsonl");
        File.WriteAllText(path, "{\"gold\": \"1\"}\n\nnot json\n");

        var (code, _, err) = Run("verify", "--cases", path);

        Assert.NotEqual(0, code);
        Assert.Contains($"error: {path}: no valid cases", err);
        Assert.Contains($"{path}, line 1: missing \"pred\"", err);
        Assert.Contains($"{path}, line 3:", err);
    }

    [Fact]
    public void Verify_cases_with_one_good_line_among_bad_ones_still_succeeds()
    {
        using var tmp = new TempDir();
        var path = Path.Combine(tmp.Path, "cases.jsonl");
        File.WriteAllText(path, "not json\n{\"gold\": \"$2$\", \"pred\": \"2\"}\n");

        var (code, output, _) = Run("verify", "--cases", path);

        Assert.Equal(0, code);
        Assert.Contains("\"verdict\":true", output);
    }

    [Fact]
    public void Model_parity_against_a_classifier_reference_says_no_check_ran_and_why()
    {
        var reference = Path.Combine(ModelFixtures.TinyQwen2Rm, "reference_outputs.json");

        var (code, output, _) = Run("model", "parity", "--model", ModelFixtures.TinyQwen2, "--reference", reference, "--device", "cpu");

        Assert.Equal(1, code);
        var json = (JsonObject)JsonNode.Parse(output.Trim())!;
        Assert.False(json["passed"]!.GetValue<bool>());
        var failure = Assert.Single(json["failures"]!.AsArray())!.GetValue<string>();
        Assert.Contains("no check ran", failure);
        Assert.Contains("scores", failure);   // the keys the reference does have
    }

    [Fact]
    public void Model_parity_with_a_perturbed_reference_names_the_check_the_difference_and_the_tolerance()
    {
        using var tmp = new TempDir();
        var reference = ModelFixtures.Reference(ModelFixtures.TinyQwen2);
        var logprobs = reference["token_logprobs"]!.AsArray();
        logprobs[0]![0] = logprobs[0]![0]!.GetValue<double>() + 0.5;
        var path = Path.Combine(tmp.Path, "ref.json");
        File.WriteAllText(path, reference.ToJsonString());

        var (code, output, _) = Run("model", "parity", "--model", ModelFixtures.TinyQwen2, "--reference", path, "--device", "cpu");

        Assert.Equal(1, code);
        var json = (JsonObject)JsonNode.Parse(output.Trim())!;
        Assert.Equal(1e-4, json["tolerance"]!.GetValue<double>());
        var failure = Assert.Single(json["failures"]!.AsArray())!.GetValue<string>();
        Assert.StartsWith("max_abs_logprob_err 0.5", failure);
        Assert.EndsWith("exceeds the tolerance 0.0001", failure);
    }

    [Fact]
    public void Model_parity_with_a_changed_greedy_output_names_the_row_and_position_that_differ()
    {
        using var tmp = new TempDir();
        var reference = ModelFixtures.Reference(ModelFixtures.TinyQwen2);
        var row = reference["greedy_output"]![0]!.AsArray();
        int last = row.Count - 1;
        int theirs = row[last]!.GetValue<int>() == 1 ? 2 : 1;
        row[last] = theirs;
        var path = Path.Combine(tmp.Path, "ref.json");
        File.WriteAllText(path, reference.ToJsonString());

        var (code, output, _) = Run("model", "parity", "--model", ModelFixtures.TinyQwen2, "--reference", path, "--device", "cpu");

        Assert.Equal(1, code);
        var failure = Assert.Single(JsonNode.Parse(output.Trim())!["failures"]!.AsArray())!.GetValue<string>();
        Assert.StartsWith($"greedy_output row 0 differs at position {last}:", failure);
        Assert.EndsWith($"reference {theirs}", failure);
    }
}
