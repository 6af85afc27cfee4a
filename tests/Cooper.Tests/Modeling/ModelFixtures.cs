using System.IO.Compression;
using System.Text.Json.Nodes;
using Cooper.Modeling;

namespace Cooper.Tests.Modeling;

/// <summary>Tests that read DisposeScopeManager statistics or must not share the CPU with others.</summary>
[CollectionDefinition("NonParallel", DisableParallelization = true)]
public sealed class NonParallelCollection;

/// <summary>Paths of the copied fixtures (tests/Cooper.Tests/Fixtures, copied next to the test assembly).</summary>
internal static class ModelFixtures
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    /// <summary>transformers 5.17's tiny random Qwen2ForCausalLM (vocab 512, 3 layers, GQA 4/2, tied).</summary>
    public static string TinyQwen2 => Path.Combine(Root, "hf", "tiny-qwen2");

    /// <summary>The same backbone as Qwen2ForSequenceClassification with one label.</summary>
    public static string TinyQwen2Rm => Path.Combine(Root, "hf", "tiny-qwen2-rm");

    public static JsonObject Reference(string modelDir) =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(modelDir, "reference_outputs.json")))!;

    /// <summary>The reference file's <c>input_ids</c> (rows of equal length) as an int64 (B, T) tensor.</summary>
    public static TorchSharp.torch.Tensor InputIds(JsonObject reference)
    {
        var ids = reference["input_ids"]!.AsArray().Select(r => r!.AsArray().Select(x => (long)x!.GetValue<int>()).ToArray()).ToArray();
        return TorchSharp.torch.tensor(ids.SelectMany(r => r).ToArray(), [ids.Length, ids[0].Length]);
    }

    private static readonly Lazy<string> s_qwenTokenizer = new(() =>
    {
        // The Qwen3 tokenizer is stored gzipped; unpack it once into a temp folder named after the archive's
        // size (reused by later runs; written to a temporary name and moved, so parallel runs are safe).
        var src = Path.Combine(Root, "qwen-tokenizer");
        var gzPath = Path.Combine(src, "tokenizer.json.gz");
        var dir = Path.Combine(Path.GetTempPath(), "cooper-tests-qwen3-tokenizer-" + new FileInfo(gzPath).Length);
        Directory.CreateDirectory(dir);
        var json = Path.Combine(dir, "tokenizer.json");
        if (!File.Exists(json))
        {
            var tmp = json + "." + Guid.NewGuid().ToString("N");
            using (var gz = new GZipStream(File.OpenRead(gzPath), CompressionMode.Decompress))
            using (var dst = File.Create(tmp))
                gz.CopyTo(dst);
            File.Move(tmp, json, overwrite: true);
        }
        var config = Path.Combine(dir, "tokenizer_config.json");
        if (!File.Exists(config))
        {
            var tmp = config + "." + Guid.NewGuid().ToString("N");
            File.Copy(Path.Combine(src, "tokenizer_config.json"), tmp);
            File.Move(tmp, config, overwrite: true);
        }
        return dir;
    });

    /// <summary>A folder with the real Qwen3 tokenizer.json and tokenizer_config.json.</summary>
    public static string QwenTokenizer => s_qwenTokenizer.Value;

    /// <summary>Same shape and every element equal (bit-identical for floats other than NaN).</summary>
    public static bool Same(TorchSharp.torch.Tensor a, TorchSharp.torch.Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape) || a.dtype != b.dtype) return false;
        using var eq = a.eq(b);
        using var all = eq.all();
        return all.item<bool>();
    }
}

/// <summary>A temporary folder removed on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cooper-test-" + Guid.NewGuid().ToString("N"));

    public TempDir() => Directory.CreateDirectory(Path);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
