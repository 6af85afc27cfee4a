using System.CommandLine;
using System.Text.Json.Nodes;
using Cooper.Cli;
using Cooper.Cli.Commands;

namespace Cooper.Tests.Modeling;

/// <summary>CLI smoke runs; they swap Console.Out, so they run alone.</summary>
[Collection("NonParallel")]
public class ModelCommandsTests
{
    private static (int Code, string Out) Run(params string[] args)
    {
        var g = new GlobalOptions();
        var root = new RootCommand("test");
        g.AddTo(root);
        root.Subcommands.Add(ModelCommands.Create(g));
        var previous = Console.Out;
        var sw = new StringWriter();
        Console.SetOut(sw);
        try
        {
            int code = root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
            return (code, sw.ToString());
        }
        finally
        {
            Console.SetOut(previous);
        }
    }

    [Fact]
    public void Model_parity_prints_one_json_object_and_exits_0_on_the_fixture()
    {
        var dir = ModelFixtures.TinyQwen2;
        var (code, output) = Run("model", "parity", "--model", dir, "--reference", Path.Combine(dir, "reference_outputs.json"), "--device", "cpu");
        Assert.Equal(0, code);
        var json = (JsonObject)JsonNode.Parse(output.Trim())!;
        Assert.True(json["max_abs_logit_err"]!.GetValue<double>() <= 1e-4);
        Assert.True(json["max_abs_logprob_err"]!.GetValue<double>() <= 1e-4);
        Assert.True(json["greedy_match"]!.GetValue<bool>());
        Assert.True(json["padded_greedy_match"]!.GetValue<bool>());
        Assert.False(json.ContainsKey("max_abs_score_err"));
    }

    [Fact]
    public void Model_parity_exits_1_when_the_reference_disagrees()
    {
        using var tmp = new TempDir();
        var reference = ModelFixtures.Reference(ModelFixtures.TinyQwen2);
        var row = reference["greedy_output"]![0]!.AsArray();
        row[row.Count - 1] = 1;
        var path = Path.Combine(tmp.Path, "ref.json");
        File.WriteAllText(path, reference.ToJsonString());
        var (code, output) = Run("model", "parity", "--model", ModelFixtures.TinyQwen2, "--reference", path);
        Assert.Equal(1, code);
        Assert.False(JsonNode.Parse(output.Trim())!["greedy_match"]!.GetValue<bool>());
    }

    [Fact]
    public void Model_generate_samples_from_a_saved_model_with_a_char_tokenizer()
    {
        using var tmp = new TempDir();
        var tok = Cooper.Tokenizers.CharTokenizer.Create("abc123+= ");
        using (var lm = Cooper.Modeling.CausalLM.Create(TinyModels.CausalLM(vocab: tok.VocabSize), seed: 1))
            lm.SavePretrained(tmp.Path);
        tok.Save(tmp.Path);
        var (code, output) = Run("model", "generate", "--model", tmp.Path, "--prompt", "1+2=", "--chat", "--max-new-tokens", "5", "--n", "2", "--seed", "3");
        Assert.Equal(0, code);
        var lines = output.Trim().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.NotNull(JsonNode.Parse(l)!["text"]));
    }
}
