using Cooper.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Training;

/// <summary>One supervised example: a prompt and the assistant's completion (ending with EOS), as token ids.</summary>
public sealed record SftExample(int[] PromptIds, int[] CompletionIds);

/// <summary>
/// A right-padded SFT batch. Position t of <see cref="Targets"/> is the token that follows input t.
/// Because padding is on the right and attention is causal, a real token never attends to padding:
/// the model can run without the attention mask (SDPA's fast causal path) and padded targets are
/// removed by <see cref="LossMask"/>.
/// </summary>
public sealed class SftBatch : IDisposable
{
    /// <summary>(B, T) int64 token ids, right-padded.</summary>
    public required Tensor InputIds { get; init; }
    /// <summary>(B, T) int64, 1 for tokens, 0 for padding.</summary>
    public required Tensor AttentionMask { get; init; }
    /// <summary>(B, T−1) int64: <c>InputIds[:, 1:]</c>.</summary>
    public required Tensor Targets { get; init; }
    /// <summary>(B, T−1) float32: 1 where the target is a completion (assistant) token.</summary>
    public required Tensor LossMask { get; init; }
    /// <summary>Number of completion tokens (the loss's denominator).</summary>
    public long CompletionTokens { get; init; }

    /// <inheritdoc />
    public void Dispose()
    {
        InputIds.Dispose(); AttentionMask.Dispose(); Targets.Dispose(); LossMask.Dispose();
    }
}

/// <summary>SFT collation and loss: causal-LM loss on the assistant's tokens only.</summary>
public static class Sft
{
    /// <summary>
    /// Concatenates prompt and completion per example, right-pads with <paramref name="padId"/>, and
    /// masks the loss to targets that are completion tokens. Sequences longer than
    /// <paramref name="maxLength"/> lose the end of their completion.
    /// </summary>
    public static SftBatch Collate(IReadOnlyList<SftExample> examples, int padId, int maxLength, Device? device = null)
    {
        if (examples.Count == 0) throw new ArgumentException("an SFT batch needs at least one example");
        int t = Math.Min(maxLength, examples.Max(e => e.PromptIds.Length + e.CompletionIds.Length));
        int b = examples.Count;
        var ids = new long[b * t];
        var attn = new long[b * t];
        var lossMask = new float[b * (t - 1)];
        long count = 0;
        for (int i = 0; i < b; i++)
        {
            var e = examples[i];
            if (e.PromptIds.Length >= t)
                throw new ArgumentException($"example {i}: prompt of {e.PromptIds.Length} tokens leaves no room for a completion within max length {maxLength}");
            int n = Math.Min(t, e.PromptIds.Length + e.CompletionIds.Length);
            for (int j = 0; j < t; j++)
            {
                ids[i * t + j] = j < e.PromptIds.Length ? e.PromptIds[j] : j < n ? e.CompletionIds[j - e.PromptIds.Length] : padId;
                attn[i * t + j] = j < n ? 1 : 0;
            }
            // target j is token j+1: a completion token when prompt_len ≤ j+1 < n
            for (int j = 0; j < t - 1; j++)
                if (j + 1 >= e.PromptIds.Length && j + 1 < n) { lossMask[i * (t - 1) + j] = 1; count++; }
        }
        var dev = device ?? CPU;
        var input = tensor(ids, [b, t], ScalarType.Int64, dev);
        return new SftBatch
        {
            InputIds = input,
            AttentionMask = tensor(attn, [b, t], ScalarType.Int64, dev),
            Targets = input[.., 1..].contiguous(),
            LossMask = tensor(lossMask, [b, t - 1], ScalarType.Float32, dev),
            CompletionTokens = count,
        };
    }

    /// <summary>
    /// Mean negative log-likelihood of the completion tokens:
    /// L = −Σ mask·log p(target) / Σ mask, from logits (B, T, V) of the batch's inputs.
    /// </summary>
    public static Tensor Loss(Tensor logits, SftBatch batch)
    {
        using var scope = NewDisposeScope();
        long t = logits.shape[1];
        var shifted = logits.narrow(1, 0, t - 1);                              // (B, T−1, V)
        var logp = LogProbs.FromLogits(shifted, batch.Targets);                // (B, T−1)
        var loss = -(logp * batch.LossMask).sum() / batch.LossMask.sum().clamp_min(1.0);
        return loss.MoveToOuterDisposeScope();
    }
}
