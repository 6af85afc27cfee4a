using Cooper.Runtime;
using Cooper.Runs;

using Cooper.Tests.RL;
using Cooper.Tests.Modeling;
using Cooper.Tests.Data;

namespace Cooper.Tests.Runtime;

public class RuntimeTests
{
    [Fact]
    public void External_libtorch_folder_without_the_libraries_names_the_missing_file()
    {
        var dir = Directory.CreateTempSubdirectory("cooper-libtorch-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "README"), "not a libtorch");
            var e = Assert.Throws<FileNotFoundException>(() => TorchRuntime.PreloadLibTorch(dir));
            Assert.Contains("libc10.so", e.Message);
            Assert.Contains(dir, e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Missing_libtorch_folder_is_a_clear_error()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => TorchRuntime.PreloadLibTorch("/nonexistent/cooper-libtorch"));
        Assert.Contains("/nonexistent/cooper-libtorch", e.Message);
    }

    [Fact]
    public void Cpu_device_resolves_and_describe_reports_a_working_tensor_op()
    {
        var device = TorchRuntime.ResolveDevice(DeviceChoice.Cpu);
        var info = TorchRuntime.Describe(device).ToDictionary(x => x.Key, x => x.Value);
        Assert.Equal("cpu", info["device"].ToLowerInvariant());
        Assert.Equal("[[1,2],[3,4]]^2 = [[7,10],[15,22]]", info["tensor check"]);
    }

    [Fact]
    public void Metrics_round_trip_and_non_finite_values_become_nan()
    {
        var dir = Directory.CreateTempSubdirectory("cooper-run-").FullName;
        try
        {
            var run = RunFolder.Open(dir);
            using (var w = new MetricsWriter(run.MetricsFile))
            {
                w.Write(1, new Dictionary<string, double> { ["train/reward_mean"] = 0.25, ["train/kl"] = double.NaN });
                w.Write(2, new Dictionary<string, double> { ["train/reward_mean"] = 0.5 });
            }
            var rows = MetricsWriter.Read(run.MetricsFile);
            Assert.Equal(2, rows.Count);
            Assert.Equal(0.25, rows[0]["train/reward_mean"]);
            Assert.True(double.IsNaN(rows[0]["train/kl"]));
            Assert.Equal(2, rows[1]["step"]);
            Assert.True(Directory.Exists(run.Checkpoints));
        }
        finally { Directory.Delete(dir, true); }
    }
}
