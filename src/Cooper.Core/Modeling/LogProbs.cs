using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Cooper.Modeling;

/// <summary>
/// Log-probabilities of given tokens, computed chunk by chunk over positions so that no full-vocabulary
/// float64 (or, from hidden states, float32) copy of the logits is ever made.
/// </summary>
/// <remarks>
/// log p(y | x) = z_y / τ − logsumexp(z / τ), with z the logits of one position and τ the sampling
/// temperature (1 for training; the rollout temperature to reproduce a sampler's log-probs).
/// Each chunk is upcast to float32 on its own. <see cref="FromHidden"/> under autograd is a fused custom
/// function (as Liger's fused linear cross-entropy): forward keeps only logsumexp per position, backward
/// recomputes each chunk's logits, so no (N, V) tensor outlives a chunk in either pass. Its gradient:
/// ∂ log p_y / ∂z = (onehot(y) − softmax(z/τ)) / τ, then ∂h = ∂z W and ∂W = ∂zᵀ h.
/// <see cref="FromLogits"/> starts from logits that already exist; under autograd each chunk keeps its
/// float32 copy for backward.
/// </remarks>
public static class LogProbs
{
    /// <summary>Elements (positions × vocabulary) per chunk: 2^26 floats = 256 MiB in float32.</summary>
    public const long ChunkElements = 1L << 26;

    /// <summary>Positions per chunk for a vocabulary of <paramref name="vocab"/>.</summary>
    public static long ChunkRows(long vocab) => Math.Max(1, ChunkElements / vocab);

    /// <summary>
    /// log p(targets) from <paramref name="logits"/> (..., V) and <paramref name="targets"/> (...) int64 →
    /// (...) float32, with gradient when the logits have one. <paramref name="chunkRows"/> positions are
    /// processed at a time (default <see cref="ChunkRows"/>).
    /// </summary>
    public static Tensor FromLogits(Tensor logits, Tensor targets, double temperature = 1.0, long? chunkRows = null)
    {
        CheckTemperature(temperature);
        long v = logits.shape[^1];
        using var flat = logits.reshape(-1, v);                      // (N, V)
        using var tg = targets.reshape(-1);                          // (N,)
        using var result = Chunked(flat.shape[0], chunkRows ?? ChunkRows(v), (start, n) =>
        {
            using var z = flat.narrow(0, start, n);
            return PickedMinusLse(z, tg.narrow(0, start, n), temperature);
        });
        return result.reshape(targets.shape);
    }

    /// <summary>
    /// log p(targets) straight from final hidden states <paramref name="hidden"/> (..., C) and the output
    /// projection <paramref name="weight"/> (V, C): the logits exist one chunk at a time.
    /// </summary>
    public static Tensor FromHidden(Tensor hidden, Tensor weight, Tensor targets, double temperature = 1.0, long? chunkRows = null)
    {
        CheckTemperature(temperature);
        long c = hidden.shape[^1], v = weight.shape[0];
        using var flat = hidden.reshape(-1, c);                      // (N, C)
        using var tg = targets.reshape(-1);                          // (N,)
        long per = chunkRows ?? ChunkRows(v);
        if (torch.is_grad_enabled() && (hidden.requires_grad || weight.requires_grad))
        {
            using var fused = LinearLogProbFunction.apply(flat, weight, tg, temperature, per);   // (N,)
            return fused.reshape(targets.shape);
        }
        using var result = Chunked(flat.shape[0], per, (start, n) =>
        {
            using var h = flat.narrow(0, start, n);                  // (n, C)
            using var z = F.linear(h, weight);                       // (n, V) in the model dtype
            return PickedMinusLse(z, tg.narrow(0, start, n), temperature);
        });
        return result.reshape(targets.shape);
    }

    // z (n, V) any float dtype, y (n,) → z_y/τ − logsumexp(z/τ) (n,) float32.
    private static Tensor PickedMinusLse(Tensor z, Tensor y, double temperature)
    {
        using var z32 = z.to(ScalarType.Float32);
        using var scaled = temperature == 1.0 ? z32.alias() : z32 / temperature;
        using var lse = scaled.logsumexp(-1, keepdim: false);        // (n,)
        using var idx = y.unsqueeze(1);
        using var gathered = scaled.gather(1, idx);                  // (n, 1)
        using var picked = gathered.squeeze(1);                      // (n,)
        y.Dispose();
        return picked - lse;
    }

    private static Tensor Chunked(long rows, long per, Func<long, long, Tensor> chunk)
    {
        if (per < 1) throw new ArgumentException($"chunkRows must be ≥ 1, got {per}");
        if (rows <= per) return chunk(0, rows);
        var parts = new List<Tensor>();
        try
        {
            for (long s = 0; s < rows; s += per) parts.Add(chunk(s, Math.Min(per, rows - s)));
            return torch.cat(parts, 0);
        }
        finally
        {
            foreach (var p in parts) p.Dispose();
        }
    }

    /// <summary>
    /// log p(y) = z_y/τ − logsumexp(z/τ), z = h Wᵀ, as one autograd node that recomputes each chunk's
    /// logits in backward instead of saving them. Inputs: hidden (N, C), weight (V, C), targets (N,)
    /// int64, temperature, chunk rows. Output (N,) float32.
    /// </summary>
    private sealed class LinearLogProbFunction : torch.autograd.SingleTensorFunction<LinearLogProbFunction>
    {
        public override string Name => "LinearLogProb";

        public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
        {
            var (h, w, y, tau, per) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (double)vars[3], (long)vars[4]);
            long n = h.shape[0];
            using var noGrad = torch.no_grad();
            var output = torch.empty(n, ScalarType.Float32, h.device);                      // (N,)
            var lse = torch.empty(n, ScalarType.Float32, h.device);                         // (N,) saved for backward
            for (long s = 0; s < n; s += per)
            {
                long m = Math.Min(per, n - s);
                using var scope = torch.NewDisposeScope();
                var z = F.linear(h.narrow(0, s, m), w).to(ScalarType.Float32);             // (m, V)
                if (tau != 1.0) z.div_(tau);
                var l = z.logsumexp(-1, keepdim: false);                                      // (m,)
                var picked = z.gather(1, y.narrow(0, s, m).unsqueeze(1)).squeeze(1);          // (m,)
                output.narrow(0, s, m).copy_(picked - l);
                lse.narrow(0, s, m).copy_(l);
            }
            ctx.save_for_backward([h, w, y, lse]);
            ctx.save_data("tau", tau);
            ctx.save_data("per", per);
            return output;
        }

        public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor grad)
        {
            var saved = ctx.get_saved_variables();
            var (h, w, y, lse) = (saved[0], saved[1], saved[2], saved[3]);
            double tau = (double)ctx.get_data("tau");
            long per = (long)ctx.get_data("per");
            long n = h.shape[0];
            var gradH = torch.empty_like(h);                                                  // (N, C)
            using var gradW32 = torch.zeros(w.shape, ScalarType.Float32, w.device);          // (V, C) accumulated in f32
            using var g32 = grad.to(ScalarType.Float32);                                      // (N,)
            for (long s = 0; s < n; s += per)
            {
                long m = Math.Min(per, n - s);
                using var scope = torch.NewDisposeScope();
                var hc = h.narrow(0, s, m);                                                   // (m, C)
                var gc = g32.narrow(0, s, m).unsqueeze(1);                                    // (m, 1)
                var z = F.linear(hc, w).to(ScalarType.Float32);                              // (m, V) recomputed
                if (tau != 1.0) z.div_(tau);
                var dz = z.sub_(lse.narrow(0, s, m).unsqueeze(1)).exp_().mul_(gc).neg_();     // −g·softmax(z/τ)
                dz.scatter_add_(1, y.narrow(0, s, m).unsqueeze(1), gc);                      // + g·onehot(y)
                if (tau != 1.0) dz.div_(tau);                                                 // chain rule through z/τ
                var dzW = dz.to(w.dtype);
                gradH.narrow(0, s, m).copy_(dzW.matmul(w));                                   // (m, C)
                gradW32.addmm_(dz.t(), hc.to(ScalarType.Float32));                            // (V, C)
            }
            var gradW = gradW32.to(w.dtype);
            return [gradH, gradW, null!, null!, null!];
        }
    }

    private static void CheckTemperature(double temperature)
    {
        if (!(temperature > 0)) throw new ArgumentException($"temperature must be > 0 for log-probs, got {temperature}");
    }
}
