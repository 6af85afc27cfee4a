using Cooper.Modeling;
using Cooper.Tokenizers;

namespace Cooper.Tests;

/// <summary>
/// The tiny model every test builds from random weights: hidden 32, MLP 64, 2 layers, 4 query heads
/// sharing 2 key/value heads, tied embeddings (qwen2 layout unless asked for llama). Defined once here;
/// tests compare against values computed with this shape, so change it only together with them.
/// </summary>
internal static class TinyModels
{
    /// <summary>A causal LM config; <paramref name="modelType"/> is <c>qwen2</c> or <c>llama</c>.</summary>
    public static ModelConfig CausalLM(int vocab = 64, int context = 128, string modelType = "qwen2", bool tied = true, int? padTokenId = 0) => new()
    {
        ModelType = modelType,
        Architectures = [modelType == "llama" ? "LlamaForCausalLM" : "Qwen2ForCausalLM"],
        VocabSize = vocab,
        HiddenSize = 32,
        IntermediateSize = 64,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        MaxPositionEmbeddings = context,
        TieWordEmbeddings = tied,
        PadTokenId = padTokenId,
    };

    /// <summary>A qwen2 causal LM config sized for <paramref name="tokenizer"/> (its vocabulary and pad id).</summary>
    public static ModelConfig CausalLM(ITokenizer tokenizer, int context = 128) =>
        CausalLM(tokenizer.VocabSize, context, padTokenId: tokenizer.PadTokenId);

    /// <summary>A one-label qwen2 sequence classifier (a reward model) config sized for <paramref name="tokenizer"/>.</summary>
    public static ModelConfig Classifier(ITokenizer tokenizer, int context = 512) => CausalLM(tokenizer, context) with
    {
        Architectures = ["Qwen2ForSequenceClassification"],
        Labels = ["LABEL_0"],
    };
}
