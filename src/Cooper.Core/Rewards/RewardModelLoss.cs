using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Rewards;

/// <summary>The reward model's training losses.</summary>
public static class RewardModelLoss
{
    /// <summary>
    /// VerifyRM's pointwise loss: binary cross-entropy on logits z with labels y ∈ {0,1},
    /// mean over rows of −[y·log σ(z) + (1−y)·log(1−σ(z))].
    /// </summary>
    public static Tensor BinaryCrossEntropy(Tensor logits, Tensor labels)
        => torch.nn.functional.binary_cross_entropy_with_logits(logits, labels.to_type(logits.dtype));

    /// <summary>
    /// Cooper's pairwise loss (paper Eq. 6): L = Σ_valid −log σ(s⁺ − s⁻) / (n_valid + 1e-6)
    /// on raw logits s; invalid pairs (no positive, or no accepted negative) contribute nothing.
    /// With zero valid pairs the loss is 0 (and has zero gradient).
    /// </summary>
    /// <param name="positive">s⁺, (P,).</param>
    /// <param name="negative">s⁻, (P,).</param>
    /// <param name="valid">1 for valid pairs, 0 otherwise, (P,).</param>
    public static Tensor Pairwise(Tensor positive, Tensor negative, Tensor valid)
    {
        using var scope = NewDisposeScope();
        var v = valid.to_type(positive.dtype);
        var perPair = torch.nn.functional.softplus(-(positive - negative));   // −log σ(x) = softplus(−x), (P,)
        var loss = (perPair * v).sum() / (v.sum() + 1e-6);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Eq. 6 with every pair valid: Σ −log σ(s⁺ − s⁻) / (n + 1e-6); <paramref name="positive"/>, <paramref name="negative"/> (P,).</summary>
    public static Tensor Pairwise(Tensor positive, Tensor negative)
    {
        using var scope = NewDisposeScope();
        var perPair = torch.nn.functional.softplus(-(positive - negative));   // −log σ(x) = softplus(−x), (P,)
        var loss = perPair.sum() / (positive.shape[0] + 1e-6);
        return loss.MoveToOuterDisposeScope();
    }
}
