using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Modeling;

/// <summary>
/// Hugging Face model folders: <c>config.json</c> plus <c>model.safetensors</c> or a sharded
/// <c>model.safetensors.index.json</c>. Loading checks keys and shapes strictly; saving writes what
/// transformers' <c>save_pretrained</c> writes (same keys, shapes, dtypes and <c>{"format": "pt"}</c> metadata).
/// </summary>
public static class HfCheckpoint
{
    public const string SingleFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    /// <summary>Largest shard <see cref="Save"/> writes by default (transformers 4's default max_shard_size, 5 GB).</summary>
    public const long DefaultMaxShardBytes = 5_000_000_000;

    /// <summary>The dtype HF names <paramref name="name"/> (<c>float32</c>, <c>bfloat16</c>, <c>float16</c>).</summary>
    public static ScalarType ParseDtype(string name) => name switch
    {
        "float32" or "f32" or "fp32" => ScalarType.Float32,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        "float16" or "f16" or "fp16" => ScalarType.Float16,
        _ => throw new ArgumentException($"dtype '{name}' is not supported: use float32, bfloat16 or float16"),
    };

    /// <summary>HF's name for <paramref name="t"/>.</summary>
    public static string DtypeName(ScalarType t) => t switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        _ => throw new ArgumentException($"model dtype {t} is not supported: use float32, bfloat16 or float16"),
    };

    /// <summary>The safetensors files of a model folder, single or sharded.</summary>
    public static IReadOnlyList<string> WeightFiles(string dir)
    {
        var single = Path.Combine(dir, SingleFile);
        if (File.Exists(single)) return [single];
        var index = Path.Combine(dir, IndexFile);
        if (File.Exists(index))
        {
            var o = CheckpointJson.ReadObject(index);
            var map = o["weight_map"] as JsonObject ?? throw new InvalidDataException($"{index}: no weight_map");
            return map.Select(kv => kv.Value!.GetValue<string>()).Distinct().Order(StringComparer.Ordinal).Select(f => Path.Combine(dir, f)).ToList();
        }
        if (File.Exists(Path.Combine(dir, "pytorch_model.bin")))
            throw new InvalidDataException($"{dir} holds pytorch_model.bin (pickle): only safetensors checkpoints are read; convert it with transformers' save_pretrained(safe_serialization=True)");
        throw new FileNotFoundException($"{dir} has neither {SingleFile} nor {IndexFile}");
    }

    /// <summary>
    /// Copies a folder's weights into <paramref name="module"/>'s parameters (converting dtype and device).
    /// Every parameter must be present with the same shape and no unknown key may be left over, except keys
    /// <paramref name="ignorable"/> accepts (e.g. a tied <c>lm_head.weight</c>, old <c>rotary_emb.inv_freq</c> buffers).
    /// </summary>
    public static void LoadInto(nn.Module module, string dir, Func<string, bool>? ignorable = null)
    {
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var seen = new HashSet<string>();
        var unexpected = new List<string>();
        var files = WeightFiles(dir);

        // Check every header before touching a weight, so a bad folder leaves the module unchanged.
        foreach (var file in files)
        {
            var (entries, _, _) = Safetensors.ReadHeader(file);
            foreach (var e in entries.Values)
            {
                if (!parameters.TryGetValue(e.Name, out var p))
                {
                    if (ignorable?.Invoke(e.Name) != true) unexpected.Add(e.Name);
                    continue;
                }
                if (!p.shape.SequenceEqual(e.Shape))
                    throw new InvalidDataException($"{file}: '{e.Name}' has shape [{string.Join(", ", e.Shape)}] but the model expects [{string.Join(", ", p.shape)}] (does config.json match the weights?)");
                seen.Add(e.Name);
            }
        }
        var missing = parameters.Keys.Where(k => !seen.Contains(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new InvalidDataException(
                $"{dir}: weights do not match the model (strict loading). " +
                (missing.Count > 0 ? $"Missing {missing.Count}: {string.Join(", ", missing.Take(8))}{(missing.Count > 8 ? ", …" : "")}. " : "") +
                (unexpected.Count > 0 ? $"Unexpected {unexpected.Count}: {string.Join(", ", unexpected.Take(8))}{(unexpected.Count > 8 ? ", …" : "")}." : ""));

        using var noGrad = torch.no_grad();
        foreach (var file in files)
            Safetensors.Read(file, (e, t) => parameters[e.Name].copy_(t), name => parameters.ContainsKey(name));
    }

    /// <summary>
    /// Writes the module's parameters as HF does: one <c>model.safetensors</c>, or shards named
    /// <c>model-0000i-of-0000n.safetensors</c> with an index when they exceed <paramref name="maxShardBytes"/>.
    /// Stale weight files from an earlier save are removed.
    /// </summary>
    public static void Save(nn.Module module, string dir, long maxShardBytes = DefaultMaxShardBytes)
    {
        Directory.CreateDirectory(dir);
        var tensors = module.named_parameters().Select(p => (Name: p.name, Tensor: (Tensor)p.parameter)).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        var meta = new Dictionary<string, string> { ["format"] = "pt" };

        foreach (var old in Directory.EnumerateFiles(dir, "model*.safetensors*")) File.Delete(old);

        long total = tensors.Sum(t => t.Tensor.numel() * Safetensors.ElementSize(t.Tensor.dtype));
        if (total <= maxShardBytes)
        {
            Safetensors.Save(Path.Combine(dir, SingleFile), tensors, meta);
            return;
        }

        var shards = new List<List<(string Name, Tensor Tensor)>> { new() };
        long current = 0;
        foreach (var t in tensors)
        {
            long bytes = t.Tensor.numel() * Safetensors.ElementSize(t.Tensor.dtype);
            if (current > 0 && current + bytes > maxShardBytes)
            {
                shards.Add([]);
                current = 0;
            }
            shards[^1].Add(t);
            current += bytes;
        }
        var weightMap = new JsonObject();
        for (int i = 0; i < shards.Count; i++)
        {
            string file = string.Format(CultureInfo.InvariantCulture, "model-{0:D5}-of-{1:D5}.safetensors", i + 1, shards.Count);
            Safetensors.Save(Path.Combine(dir, file), shards[i], meta);
            foreach (var (name, _) in shards[i]) weightMap[name] = file;
        }
        var index = new JsonObject
        {
            ["metadata"] = new JsonObject { ["total_size"] = total },
            ["weight_map"] = weightMap,
        };
        File.WriteAllText(Path.Combine(dir, IndexFile), index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>
    /// Fills fresh weights as HF's <c>_init_weights</c> does: Linear and Embedding weights ~ N(0, std²),
    /// biases 0, norm weights 1, the padding row of the embedding 0. Values are drawn on the CPU from
    /// <paramref name="seed"/> in parameter-name order, so they do not depend on device or dtype.
    /// </summary>
    public static void InitializeWeights(nn.Module module, double std, long seed, int? padTokenId)
    {
        using var gen = new torch.Generator((ulong)seed);
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in module.named_parameters().OrderBy(p => p.name, StringComparer.Ordinal))
        {
            using var scope = torch.NewDisposeScope();
            if (name.EndsWith("norm.weight", StringComparison.Ordinal))
            {
                p.fill_(1.0);
            }
            else if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                p.zero_();
            }
            else
            {
                var w = torch.randn(p.shape, ScalarType.Float32, generator: gen).mul_(std);
                if (name.EndsWith("embed_tokens.weight", StringComparison.Ordinal) && padTokenId is { } pad && pad < p.shape[0])
                    w[pad].zero_();
                p.copy_(w);
            }
        }
    }
}
