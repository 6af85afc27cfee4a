using TorchSharp;

namespace Cooper.Runs;

/// <summary>Scalars to TensorBoard event files (TorchSharp's SummaryWriter), next to metrics.jsonl.</summary>
public sealed class TensorBoardLog : IDisposable
{
    private readonly TorchSharp.Modules.SummaryWriter _writer;

    /// <summary>Writes event files into <paramref name="dir"/>.</summary>
    public TensorBoardLog(string dir)
    {
        Directory.CreateDirectory(dir);
        _writer = torch.utils.tensorboard.SummaryWriter(dir, "", false);
    }

    /// <summary>One scalar per finite metric at <paramref name="step"/>.</summary>
    public void Write(long step, IReadOnlyDictionary<string, double> metrics)
    {
        foreach (var (k, v) in metrics)
            if (double.IsFinite(v)) _writer.add_scalar(k, (float)v, (int)step);
    }

    /// <inheritdoc />
    public void Dispose() { }
}
