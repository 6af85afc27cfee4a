using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Runtime;

/// <summary>Which device a run asks for. <c>Auto</c> = CUDA when available, else CPU.</summary>
public enum DeviceChoice { Auto, Cpu, Cuda }

/// <summary>Process-wide TorchSharp set-up: optional external libtorch, device, threads, seed.</summary>
/// <remarks>
/// An external libtorch (for example a PyTorch install with CUDA) is used by preloading its
/// shared libraries, in dependency order, before the first TorchSharp call. TorchSharp then binds to
/// the already-loaded libtorch instead of the CPU build it ships with.
/// </remarks>
public static class TorchRuntime
{
    /// <summary>Environment variable naming a folder with libtorch's shared libraries.</summary>
    public const string LibTorchDirVariable = "COOPER_LIBTORCH_DIR";

    /// <summary>Libraries preloaded from an external libtorch folder, in order; optional ones may be absent.</summary>
    public static readonly IReadOnlyList<(string File, bool Required)> PreloadOrder =
    [
        ("libc10.so", true),
        ("libc10_cuda.so", false),
        ("libtorch_cpu.so", true),
        ("libtorch_cuda.so", false),
        ("libtorch.so", true),
    ];

    private static readonly object s_lock = new();
    private static string? s_libTorchDir;
    private static bool s_preloaded;

    /// <summary>The external libtorch folder in use, or null for TorchSharp's own.</summary>
    public static string? LibTorchDir => s_libTorchDir;

    /// <summary>
    /// Preloads libtorch from <paramref name="dir"/> (or <c>COOPER_LIBTORCH_DIR</c> when null).
    /// Does nothing when neither is set. Throws <see cref="FileNotFoundException"/> naming the
    /// missing file when the folder lacks a required library.
    /// </summary>
    public static void PreloadLibTorch(string? dir = null)
    {
        dir ??= Environment.GetEnvironmentVariable(LibTorchDirVariable);
        if (string.IsNullOrWhiteSpace(dir)) return;
        lock (s_lock)
        {
            if (s_preloaded) return;
            if (!Directory.Exists(dir))
                throw new DirectoryNotFoundException($"libtorch folder '{dir}' (from --libtorch or {LibTorchDirVariable}) does not exist");
            foreach (var (file, required) in PreloadOrder)
            {
                var path = Path.Combine(dir, file);
                if (!File.Exists(path))
                {
                    if (required)
                        throw new FileNotFoundException($"libtorch folder '{dir}' has no {file} (expected the lib/ folder of a libtorch or PyTorch install)", path);
                    continue;
                }
                NativeLibrary.Load(path);
            }
            var sharp = FindLibTorchSharp() ?? throw new FileNotFoundException(
                "TorchSharp's libLibTorchSharp.so was not found next to the application", "libLibTorchSharp.so");
            NativeLibrary.Load(sharp);
            s_libTorchDir = dir;
            s_preloaded = true;
        }
    }

    private static string? FindLibTorchSharp()
    {
        string name = OperatingSystem.IsWindows() ? "LibTorchSharp.dll" : OperatingSystem.IsMacOS() ? "libLibTorchSharp.dylib" : "libLibTorchSharp.so";
        var baseDir = AppContext.BaseDirectory;
        var rid = RuntimeInformation.RuntimeIdentifier;
        string[] candidates =
        [
            Path.Combine(baseDir, name),
            Path.Combine(baseDir, "runtimes", rid, "native", name),
            Path.Combine(baseDir, "runtimes", OperatingSystem.IsLinux() ? "linux-x64" : rid, "native", name),
        ];
        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>Resolves a <see cref="DeviceChoice"/> to a concrete device, failing clearly when CUDA is asked for but missing.</summary>
    public static Device ResolveDevice(DeviceChoice choice) => choice switch
    {
        DeviceChoice.Cpu => CPU,
        DeviceChoice.Cuda when cuda.is_available() => CUDA,
        DeviceChoice.Cuda => throw new InvalidOperationException(
            "--device cuda was asked for but CUDA is not available: this TorchSharp build is CPU-only; point --libtorch (or COOPER_LIBTORCH_DIR) at a CUDA libtorch"),
        _ => cuda.is_available() ? CUDA : CPU,
    };

    /// <summary>One call per process: allocator settings, preload, threads, seed; returns the device.</summary>
    public static Device Initialize(string? libTorchDir, DeviceChoice device, int? threads, long? seed)
    {
        Allocator.Tune();
        PreloadLibTorch(libTorchDir);
        if (threads is > 0) torch.set_num_threads(threads.Value);
        if (seed is not null) torch.manual_seed(seed.Value);
        return ResolveDevice(device);
    }

    /// <summary>Versions and capabilities, for <c>cooper info</c>.</summary>
    public static IReadOnlyList<(string Key, string Value)> Describe(Device device)
    {
        string cooperVersion = typeof(TorchRuntime).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
        int plus = cooperVersion.IndexOf('+');
        if (plus > 0) cooperVersion = cooperVersion[..plus];
        string torchSharpVersion = typeof(torch).Assembly.GetName().Version?.ToString() ?? "?";
        // A tensor op proves the native library loaded and computes.
        using var a = torch.tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var product = a.matmul(a);
        var v = product.data<float>().ToArray();
        return
        [
            ("cooper", cooperVersion),
            (".NET", RuntimeInformation.FrameworkDescription),
            ("os", RuntimeInformation.OSDescription),
            ("TorchSharp", torchSharpVersion),
            ("libtorch", s_libTorchDir is null ? "bundled with TorchSharp-cpu (2.10.0)" : $"external: {s_libTorchDir}"),
            ("device", device.ToString()),
            ("threads", torch.get_num_threads().ToString()),
            ("malloc tuning", Allocator.Tuned switch
            {
                true => $"on (glibc: mmap threshold {Allocator.MmapThreshold >> 20} MiB, trim threshold {Allocator.TrimThreshold >> 20} MiB; {Allocator.DisableVariable}=0 turns it off)",
                false => "off",
                null => "not applied",
            }),
            ("cuda available", cuda.is_available().ToString().ToLowerInvariant()),
            ("cuda devices", cuda.is_available() ? cuda.device_count().ToString() : "0"),
            ("tensor check", $"[[1,2],[3,4]]^2 = [[{v[0]},{v[1]}],[{v[2]},{v[3]}]]"),
        ];
    }
}
