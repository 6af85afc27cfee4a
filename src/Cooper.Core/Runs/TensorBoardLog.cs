using System.Numerics;
using Google.Protobuf;
using TorchSharp;

namespace Cooper.Runs;

/// <summary>Scalars to TensorBoard event files (TorchSharp's SummaryWriter), next to metrics.jsonl.</summary>
public sealed class TensorBoardLog : IDisposable
{
    private readonly TorchSharp.Modules.SummaryWriter _writer;

    /// <summary>
    /// Writes event files into <paramref name="dir"/>. With <paramref name="purgeFrom"/> and event files already in the
    /// folder (a resumed run), TensorBoard is first told to drop what they hold from that step on, as PyTorch's
    /// <c>SummaryWriter(purge_step=…)</c> does, so the steps redone after a resume are not drawn twice.
    /// </summary>
    public TensorBoardLog(string dir, long? purgeFrom = null)
    {
        Directory.CreateDirectory(dir);
        if (purgeFrom is { } step && Directory.EnumerateFiles(dir, "events.out.tfevents.*").Any())
            WritePurge(dir, step);
        _writer = torch.utils.tensorboard.SummaryWriter(dir, "", false);
    }

    /// <summary>One scalar per finite metric at <paramref name="step"/>.</summary>
    public void Write(long step, IReadOnlyDictionary<string, double> metrics)
    {
        foreach (var (k, v) in metrics)
            if (double.IsFinite(v)) _writer.add_scalar(k, (float)v, (int)step);
    }

    /// <summary>
    /// A small event file holding a session-start event at <paramref name="step"/>: TensorBoard discards every event
    /// read before it whose step is ≥ that step. TensorBoard reads a folder's files in name order and TorchSharp names
    /// them <c>events.out.tfevents.{DateTime.Now.Ticks}.…</c>, so this one is stamped now: after the existing files and
    /// before the writer's next one.
    /// </summary>
    public static string WritePurge(string dir, long step)
    {
        long newest = Directory.EnumerateFiles(dir, "events.out.tfevents.*")
            .Select(f => long.TryParse(Path.GetFileName(f).Split('.')[3], out long t) ? t : 0).DefaultIfEmpty(0).Max();
        long stamp = Math.Max(DateTime.Now.Ticks, newest + 1);
        string path = Path.Combine(dir, $"events.out.tfevents.{stamp}.purge-{step}");
        double wall = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        using var f = File.Create(path);
        WriteRecord(f, new Tensorboard.Event { WallTime = wall, FileVersion = "brain.Event:2" }.ToByteArray());
        WriteRecord(f, new Tensorboard.Event
        {
            WallTime = wall,
            Step = step,
            SessionLog = new Tensorboard.SessionLog { Status = Tensorboard.SessionLog.Types.SessionStatus.Start },
        }.ToByteArray());
        return path;
    }

    /// <summary>One TFRecord: length (u64 LE), its masked CRC-32C, the data, the data's masked CRC-32C.</summary>
    public static void WriteRecord(Stream s, byte[] data)
    {
        var length = BitConverter.GetBytes((ulong)data.Length);
        s.Write(length);
        s.Write(BitConverter.GetBytes(MaskedCrc(length)));
        s.Write(data);
        s.Write(BitConverter.GetBytes(MaskedCrc(data)));
    }

    /// <summary>CRC-32C (Castagnoli) of <paramref name="data"/>: initial value and final xor 0xFFFFFFFF.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }

    /// <summary>TFRecord's masked CRC: rotate right 15, add 0xa282ead8.</summary>
    public static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        uint c = Crc32C(data);
        return unchecked(((c >> 15) | (c << 17)) + 0xa282ead8);
    }

    /// <inheritdoc />
    public void Dispose() { }
}
