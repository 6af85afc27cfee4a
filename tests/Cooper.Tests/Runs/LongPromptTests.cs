using System.Text.Json;
using System.Text.Json.Nodes;
using Cooper.Tests.Modeling;
using Cooper.Tests.RL;

namespace Cooper.Tests.Runs;

/// <summary>
/// Prompts longer than the policy's context (the shipped policy has 640 positions) are counted and skipped,
/// with a message, by <c>cooper eval</c>, <c>train</c> and <c>annotate</c>; they are never run.
/// </summary>
[Collection("NonParallel")]
public class LongPromptTests
{
    private const string Short = "What is 3*12?";

    /// <summary>A plain-format dataset file with one row per question (answer 36).</summary>
    private static string Dataset(string dir, params string[] questions)
    {
        var path = Path.Combine(dir, "data.jsonl");
        File.WriteAllLines(path, questions.Select((q, i) => JsonSerializer.Serialize(new { id = $"q{i}", question = q, answer = "36" })));
        return path;
    }

    /// <summary>A question of <paramref name="chars"/> characters, all in the shipped character tokenizer's vocabulary.</summary>
    private static string Long(int chars) => string.Concat(Enumerable.Repeat("1+", chars / 2)) + "1?";

    [Fact]
    public void Eval_skips_and_counts_a_prompt_longer_than_the_context()
    {
        using var tmp = new TempDir();
        var data = Dataset(tmp.Path, Short, Long(710), Short + " ");

        var (code, stdout, stderr) = CooperCli.Run("eval", "--device", "cpu", "--model", ShippedModels.Policy, "--data", data,
            "--samples", "1", "--max-new-tokens", "4");

        Assert.True(code == 0, stderr);
        Assert.Contains("skipped 1 of 3 problems", stderr);
        Assert.Contains("exceeds the model's context of 640 positions", stderr);
        Assert.Contains("2 problems", stdout);
    }

    [Fact]
    public void Eval_reads_the_tokenizer_from_its_own_folder_when_the_model_folder_has_none()
    {
        using var tmp = new TempDir();
        var bare = Path.Combine(tmp.Path, "bare");
        Directory.CreateDirectory(bare);
        foreach (var f in Directory.GetFiles(ShippedModels.Policy).Where(f => !Path.GetFileName(f).StartsWith("tokenizer", StringComparison.Ordinal)))
            File.Copy(f, Path.Combine(bare, Path.GetFileName(f)));
        var data = Dataset(tmp.Path, Short);

        var without = CooperCli.Run("eval", "--device", "cpu", "--model", bare, "--data", data, "--samples", "1", "--max-new-tokens", "4");
        Assert.NotEqual(0, without.Code);
        Assert.Contains("tokenizer", without.Err);
        var with = CooperCli.Run("eval", "--device", "cpu", "--model", bare, "--tokenizer", ShippedModels.Policy, "--data", data, "--samples", "1", "--max-new-tokens", "4");
        Assert.True(with.Code == 0, with.Err);
        Assert.Contains("1 problems", with.Out);
    }

    [Fact]
    public void Eval_skips_a_one_megabyte_question_without_running_it()
    {
        using var tmp = new TempDir();
        var data = Dataset(tmp.Path, Short, Long(1 << 20));

        var (code, stdout, stderr) = CooperCli.Run("eval", "--device", "cpu", "--model", ShippedModels.Policy, "--data", data,
            "--samples", "1", "--max-new-tokens", "4");

        Assert.True(code == 0, stderr);
        Assert.Contains("skipped 1 of 2 problems", stderr);
        Assert.Contains("1 problems", stdout);
    }

    [Fact]
    public void Train_skips_and_counts_a_training_prompt_longer_than_the_context()
    {
        using var tmp = new TempDir();
        var data = Dataset(tmp.Path, Short, Long(710), "What is 2*18?");

        var (code, _, stderr) = CooperCli.Run(CooperCli.TinyTrain(tmp.Path, "run", "steps=1", $"data={data}", $"val_data={data}"));

        Assert.True(code == 0, stderr);
        Assert.Contains("skipped 1 of 3 training problems", stderr);
        Assert.Contains("skipped 1 of 3 validation problems", stderr);
    }

    [Fact]
    public void Annotate_skips_and_counts_a_prompt_longer_than_the_context()
    {
        using var tmp = new TempDir();
        var data = Dataset(tmp.Path, Short, Long(710));

        var (code, _, stderr) = CooperCli.Run("annotate", "--device", "cpu", "--policy", ShippedModels.Policy, "--data", data,
            "--samples", "1", "--max-new-tokens", "4", "--policy-mode", "rule-only", "--out", Path.Combine(tmp.Path, "out"));

        Assert.True(code == 0, stderr);
        Assert.Contains("skipped 1 of 2 problems", stderr);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(tmp.Path, "out", "summary.json")))!;
        Assert.Equal(1, summary["counts"]!["total"]!.GetValue<int>());
    }
}
