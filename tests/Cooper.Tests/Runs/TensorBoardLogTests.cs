using System.Text;
using Cooper.Runs;

namespace Cooper.Tests.Runs;

public class TensorBoardLogTests
{
    [Fact]
    public void Crc32c_gives_the_standard_check_value()
    {
        // The CRC-32C (Castagnoli) check value of "123456789" (RFC 3720, appendix B.4).
        Assert.Equal(0xE3069283u, TensorBoardLog.Crc32C(Encoding.ASCII.GetBytes("123456789")));
        Assert.Equal(0u, TensorBoardLog.Crc32C([]));
    }

    [Fact]
    public void A_resumed_log_tells_tensorboard_to_drop_the_old_steps_from_the_resume_on()
    {
        var dir = Directory.CreateTempSubdirectory("cooper-tb-").FullName;
        try
        {
            using (var first = new TensorBoardLog(dir, purgeFrom: 0))
                for (int s = 1; s <= 3; s++) first.Write(s, new Dictionary<string, double> { ["train/reward_mean"] = s });
            Assert.Single(Directory.GetFiles(dir));   // a new run: nothing to purge, no purge file

            using (var resumed = new TensorBoardLog(dir, purgeFrom: 2))
                resumed.Write(2, new Dictionary<string, double> { ["train/reward_mean"] = 20 });
            var files = Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(3, files.Count);
            Assert.Equal("events.out.tfevents", string.Join('.', files[1]!.Split('.').Take(3)));
            Assert.EndsWith(".purge-2", files[1]);   // read after the old file, before the resumed writer's

            var events = ReadRecords(Path.Combine(dir, files[1]!)).Select(Tensorboard.Event.Parser.ParseFrom).ToList();
            Assert.Equal("brain.Event:2", events[0].FileVersion);
            Assert.Equal(2, events[1].Step);
            Assert.Equal(Tensorboard.SessionLog.Types.SessionStatus.Start, events[1].SessionLog.Status);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>TFRecord framing read back with both CRCs checked.</summary>
    private static List<byte[]> ReadRecords(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var records = new List<byte[]>();
        int at = 0;
        while (at < bytes.Length)
        {
            var length = bytes.AsSpan(at, 8);
            Assert.Equal(Masked(length), BitConverter.ToUInt32(bytes, at + 8));
            int n = (int)BitConverter.ToUInt64(length);
            var data = bytes.AsSpan(at + 12, n).ToArray();
            Assert.Equal(Masked(data), BitConverter.ToUInt32(bytes, at + 12 + n));
            records.Add(data);
            at += 12 + n + 4;
        }
        return records;
    }

    // TFRecord's mask, written out here: rotate right by 15, add 0xa282ead8.
    private static uint Masked(ReadOnlySpan<byte> data)
    {
        uint c = TensorBoardLog.Crc32C(data);
        return unchecked(((c >> 15) | (c << 17)) + 0xa282ead8);
    }
}
