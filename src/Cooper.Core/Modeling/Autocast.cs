using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Cooper.Modeling;

/// <summary>
/// Mixed precision for float32 models, as <c>torch.autocast</c>: inside <see cref="Enable"/> the transformer's
/// linear projections run their matmul in the given half dtype (inputs and weights cast on the fly) and return
/// float32, so the weights, the optimiser state, norms, softmax, residuals and losses stay float32. On CPUs with
/// AVX512-BF16 a bfloat16 matmul of the policy's shapes is 4–7× the float32 rate (<c>Cooper.Bench matmul</c>).
/// Scoped to the logical flow of control (an <see cref="AsyncLocal{T}"/>, as PyTorch's thread-local state but
/// following awaits): runs side by side on other threads (<c>jobs</c>) keep their own setting.
/// </summary>
public static class Autocast
{
    private static readonly AsyncLocal<ScalarType?> s_dtype = new();

    /// <summary>The half dtype linear layers compute in on this thread, or null (full precision).</summary>
    public static ScalarType? Dtype => s_dtype.Value;

    /// <summary>Compute linear layers in <paramref name="dtype"/> (null: full precision) until the result is disposed.</summary>
    public static IDisposable Enable(ScalarType? dtype)
    {
        if (dtype is { } d && d is not (ScalarType.BFloat16 or ScalarType.Float16))
            throw new ArgumentException($"autocast dtype must be bfloat16 or float16, got {d}");
        var previous = s_dtype.Value;
        s_dtype.Value = dtype;
        return new Restore(previous);
    }

    /// <summary>The autocast dtype named in a config ("bfloat16", "float16"; null/"float32"/"none": off).</summary>
    public static ScalarType? Parse(string? name) => name switch
    {
        null or "" or "none" or "float32" or "fp32" => null,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        "float16" or "fp16" => ScalarType.Float16,
        _ => throw new ArgumentException($"autocast '{name}': expected none, bfloat16 or float16"),
    };

    /// <summary><paramref name="layer"/>(x): in the autocast dtype when one is on and x is float32, else as is.</summary>
    public static Tensor Linear(Linear layer, Tensor x)
    {
        if (s_dtype.Value is not { } d || x.dtype != ScalarType.Float32) return layer.forward(x);
        using var xh = x.to(d);
        using var wh = layer.weight!.to(d);
        using var bh = layer.bias?.to(d);
        using var y = F.linear(xh, wh, bh);
        return y.to(ScalarType.Float32);
    }

    private sealed class Restore(ScalarType? previous) : IDisposable
    {
        private bool _done;
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            s_dtype.Value = previous;
        }
    }
}
