namespace Cooper.Generation;

/// <summary>
/// How to sample rollouts. Defaults follow vLLM's <c>SamplingParams</c> (temperature 1, top-p 1, top-k off,
/// n 1), except <see cref="MaxNewTokens"/> (vLLM: 16), which is sized for short math answers.
/// </summary>
public sealed record SamplingParams
{
    /// <summary>Softmax temperature τ; 0 means greedy (argmax).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Nucleus sampling: keep the smallest set of tokens whose probability reaches this mass (1 = off).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Keep only the k most likely tokens (0 = off).</summary>
    public int TopK { get; init; }

    /// <summary>Tokens generated at most per sample.</summary>
    public int MaxNewTokens { get; init; } = 256;

    /// <summary>Samples per prompt.</summary>
    public int N { get; init; } = 1;

    /// <summary>
    /// Ids that end a sample (kept as its last token). The engine adds the tokenizer's EOS unless
    /// <see cref="IgnoreEos"/>.
    /// </summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    /// <summary>Strings that end a sample once its text contains one; the returned text is cut before it.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>Do not stop at the tokenizer's EOS (the explicit <see cref="StopTokenIds"/> still apply).</summary>
    public bool IgnoreEos { get; init; }

    /// <summary>
    /// Leave special tokens out of <see cref="RolloutSample.Text"/> and out of the text stop strings are looked for
    /// in (vLLM's <c>skip_special_tokens</c>, default true).
    /// </summary>
    public bool SkipSpecialTokens { get; init; } = true;

    /// <summary>Seed of the sampling generator: the same call with the same seed gives the same samples.</summary>
    public long Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad field and what to use instead.</summary>
    public SamplingParams Validate()
    {
        if (!(Temperature >= 0) || double.IsInfinity(Temperature)) throw new ArgumentException($"Temperature must be ≥ 0 (0 = greedy), got {Temperature}");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"TopP must be in (0, 1], got {TopP}");
        if (TopK < 0) throw new ArgumentException($"TopK must be ≥ 0 (0 = off), got {TopK}");
        if (MaxNewTokens < 1) throw new ArgumentException($"MaxNewTokens must be ≥ 1, got {MaxNewTokens}");
        if (N < 1) throw new ArgumentException($"N must be ≥ 1, got {N}");
        if (StopStrings.Any(string.IsNullOrEmpty)) throw new ArgumentException("StopStrings must not contain empty strings");
        return this;
    }
}

/// <summary>Why a sample ended.</summary>
public enum FinishReason
{
    /// <summary>A stop token or stop string.</summary>
    Stop,

    /// <summary><see cref="SamplingParams.MaxNewTokens"/> reached (or the model's context is full).</summary>
    Length,
}

/// <summary>One generated sample.</summary>
/// <param name="PromptIndex">Index of its prompt in the request.</param>
/// <param name="SampleIndex">0 … N−1 among that prompt's samples.</param>
/// <param name="TokenIds">Generated ids (prompt excluded), a stop token included.</param>
/// <param name="Text">Decoded text (without special tokens unless <see cref="SamplingParams.SkipSpecialTokens"/> is off; a stop token never), cut before a stop string; empty without a tokenizer.</param>
/// <param name="LogProbs">log p of each generated token under the sampling distribution at temperature τ (before top-k/top-p; τ = 1 when greedy).</param>
/// <param name="FinishReason">Stop or Length.</param>
public sealed record RolloutSample(int PromptIndex, int SampleIndex, int[] TokenIds, string Text, float[] LogProbs, FinishReason FinishReason);
