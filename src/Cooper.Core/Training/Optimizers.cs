using TorchSharp;

namespace Cooper.Training;

/// <summary>Optimiser helpers shared by every trainer.</summary>
public static class Optimizers
{
    /// <summary>
    /// <c>optimizer.zero_grad()</c> inside a dispose scope: TorchSharp's version reads each parameter's
    /// <c>.grad</c> into a new tensor handle it never disposes (one per parameter per call), which
    /// would grow the live tensor count every step.
    /// </summary>
    public static void ZeroGrad(torch.optim.Optimizer optimizer)
    {
        using var scope = torch.NewDisposeScope();
        optimizer.zero_grad();
    }
}
