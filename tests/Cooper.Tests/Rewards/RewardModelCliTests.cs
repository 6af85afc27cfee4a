using System.CommandLine;
using System.Text.Json.Nodes;
using Cooper.Annotation;
using Cooper.Cli;
using Cooper.Cli.Commands;
using Cooper.Modeling;
using Cooper.Tests.Modeling;

using Cooper.Tests.RL;
using Cooper.Tests.Data;

namespace Cooper.Tests.Rewards;

/// <summary>Smoke runs of <c>cooper annotate</c>, <c>cooper rm train</c> and <c>cooper rm eval</c> with tiny settings.</summary>
[Collection("NonParallel")]   // swaps Console.Error
public class RewardModelCliTests
{
    private static int Cooper(params string[] args)
    {
        var g = new GlobalOptions();
        var root = new RootCommand("test");
        g.AddTo(root);
        root.Subcommands.Add(RewardModelCommands.Create(g));
        root.Subcommands.Add(AnnotateCommand.Create(g));
        return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    [Fact]
    public void Annotate_then_train_then_evaluate()
    {
        using var dir = new TempDir();
        string P(string name) => Path.Combine(dir.Path, name);

        File.WriteAllText(P("completions.jsonl"), string.Concat(
            "{\"id\":\"a\",\"question\":\"What is 3*12?\",\"answer\":\"36\",\"completions\":[\"Cost: 3*12=36.\\nThe answer is \\\\boxed{36}.\",\"Cost: 3*12=38.\\nThe answer is \\\\boxed{38}.\"]}\n",
            "{\"id\":\"b\",\"question\":\"What is 7+8?\",\"answer\":\"15\",\"completion\":\"Sum: 7+8=15.\\nThe answer is \\\\boxed{15}.\"}\n",
            "{\"id\":\"c\",\"question\":\"What is 9-4?\",\"answer\":\"5\",\"completion\":\"no idea\"}\n"));
        Assert.Equal(0, Cooper("annotate", "--completions", P("completions.jsonl"), "--out", P("annotated")));
        var summary = JsonNode.Parse(File.ReadAllText(P("annotated/summary.json")))!;
        Assert.Equal(4, summary["counts"]!["total"]!.GetValue<int>());
        Assert.Equal("arithmetic-checker", summary["judge"]!.GetValue<string>());
        var labelled = LabelledSet.Read(P("annotated/labelled.jsonl"));
        Assert.Equal([true, false, true], labelled.Select(r => r.Label));   // "no idea": no final answer, the judge gives no label

        LabelledSet.Write(P("train.jsonl"), TinyRewardModel.SyntheticSet(24));
        LabelledSet.Write(P("val.jsonl"), TinyRewardModel.SyntheticSet(6, offset: 40));
        var init = TinyRewardModel.ConfigOnlyFolder(P("init"));
        Assert.Equal(0, Cooper("rm", "train", "--data", P("train.jsonl"), "--val", P("val.jsonl"), "--init", init, "--out", P("run"),
            "--set", "epochs=1", "--set", "batch_size=8", "--set", "learning_rate=1e-3"));
        Assert.True(File.Exists(P("run/model/model.safetensors")));
        Assert.True(File.Exists(P("run/config.yaml")));

        Assert.Equal(0, Cooper("rm", "eval", "--model", P("run/model"), "--data", P("val.jsonl"), "--out", P("report.json")));
        var report = JsonNode.Parse(File.ReadAllText(P("report.json")))!;
        Assert.Equal(6, report["count"]!.GetValue<int>());
        Assert.Equal(2, ((JsonArray)report["by_data_source"]!).Count);
    }

    [Fact]
    public void Annotate_samples_k_completions_per_problem_from_a_policy()
    {
        using var dir = new TempDir();
        var tok = TinyRewardModel.Tokenizer();
        var config = TinyModels.Classifier(tok) with { Architectures = ["Qwen2ForCausalLM"], Labels = [] };
        using (var lm = CausalLM.Create(config, seed: 3))
            lm.SavePretrained(Path.Combine(dir.Path, "policy"));
        tok.Save(Path.Combine(dir.Path, "policy"));
        Assert.Equal(0, Cooper("annotate", "--embedded-split", "train", "--limit", "3", "--policy", Path.Combine(dir.Path, "policy"),
            "--samples", "2", "--max-new-tokens", "12", "--policy-mode", "rule-only", "--out", Path.Combine(dir.Path, "out")));
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "out", "summary.json")))!;
        Assert.Equal(6, summary["counts"]!["total"]!.GetValue<int>());
        Assert.Equal(6, summary["counts"]!["labelled"]!.GetValue<int>());   // rule-only labels everything
        var rows = LabelledSet.Read(Path.Combine(dir.Path, "out", "labelled.jsonl"));
        Assert.Equal(["#0", "#1", "#0", "#1", "#0", "#1"], rows.Select(r => r.Id![^2..]));
        Assert.All(rows, r => Assert.StartsWith("cooper/arith-", r.DataSource));
    }

    [Fact]
    public void Train_without_an_init_folder_fails_with_what_to_give()
    {
        using var dir = new TempDir();
        var stderr = Console.Error;
        var captured = new StringWriter();
        Console.SetError(captured);
        try { Assert.Equal(2, Cooper("rm", "train", "--data", Path.Combine(dir.Path, "x.jsonl"), "--out", dir.Path)); }
        finally { Console.SetError(stderr); }
        Assert.Contains("init is required", captured.ToString());
    }
}
