using System.Text.Json.Nodes;
using Cooper.Modeling;

namespace Cooper.Tokenizers;

/// <summary>Opens the tokenizer saved in a folder, picking the implementation that wrote it.</summary>
public static class TokenizerLoader
{
    /// <summary>
    /// <see cref="CharTokenizer"/> when <c>tokenizer_config.json</c> says <c>"cooper_tokenizer": "char"</c>,
    /// otherwise <see cref="HfTokenizer"/> over <c>tokenizer.json</c>.
    /// </summary>
    public static ITokenizer Load(string dir)
    {
        if (!File.Exists(Path.Combine(dir, "tokenizer.json")))
            throw new FileNotFoundException($"{dir} has no tokenizer.json", Path.Combine(dir, "tokenizer.json"));
        var cfgPath = Path.Combine(dir, "tokenizer_config.json");
        if (File.Exists(cfgPath) && CheckpointJson.ReadObject(cfgPath) is var cfg
            && cfg[CharTokenizer.MarkerKey] is JsonValue v && v.TryGetValue<string>(out var kind) && kind == "char")
            return CharTokenizer.Load(dir);
        return HfTokenizer.Load(dir);
    }
}
