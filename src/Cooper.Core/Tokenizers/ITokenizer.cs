namespace Cooper.Tokenizers;

/// <summary>Text ↔ token ids, with the special tokens a model and its chat format need.</summary>
public interface ITokenizer
{
    /// <summary>Number of ids (highest id + 1), added tokens included; a model's vocabulary may be larger.</summary>
    int VocabSize { get; }

    /// <summary>End-of-sequence id (<c>tokenizer_config.json</c>'s <c>eos_token</c>), if any.</summary>
    int? EosTokenId { get; }

    /// <summary>Padding id (<c>pad_token</c>), if any.</summary>
    int? PadTokenId { get; }

    /// <summary>Beginning-of-sequence id (<c>bos_token</c>), if any.</summary>
    int? BosTokenId { get; }

    /// <summary>Special tokens by content (e.g. <c>&lt;|im_end|&gt;</c> → 151645).</summary>
    IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <summary>Token ids of <paramref name="text"/>; special-token strings in the text become their ids; no BOS/EOS is added.</summary>
    int[] Encode(string text);

    /// <summary>Text of <paramref name="ids"/>; special tokens are dropped when <paramref name="skipSpecialTokens"/>.</summary>
    string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens = false);

    /// <summary>The id of a single token given by its content (special or not), or null.</summary>
    int? TokenToId(string token);

    /// <summary>Writes <c>tokenizer.json</c> and <c>tokenizer_config.json</c> into <paramref name="dir"/>.</summary>
    void Save(string dir);
}
