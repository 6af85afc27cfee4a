using System.Runtime.InteropServices;

namespace Cooper.Runtime;

/// <summary>
/// glibc malloc settings for tensor-sized allocations. By default glibc returns every freed block above its
/// mmap threshold (and the top of each heap above 128 KiB) to the kernel, so a training step that allocates and
/// frees the same multi-megabyte activations hundreds of times page-faults them back in every time: on 2 cores
/// a third of the policy update's time went to the kernel (docs/BENCHMARKS.md). Keeping freed memory in the
/// process — what PyTorch users get from jemalloc or tcmalloc — removes that. Linux/glibc only; elsewhere, and
/// with <c>COOPER_MALLOC_TUNING=0</c>, nothing changes.
/// </summary>
public static partial class Allocator
{
    /// <summary>Environment variable that turns the tuning off when set to 0.</summary>
    public const string DisableVariable = "COOPER_MALLOC_TUNING";

    // glibc's mallopt parameters (malloc.h).
    private const int MTrimThreshold = -1, MTopPad = -2, MMmapThreshold = -3;

    /// <summary>Blocks up to this size come from the heap instead of fresh mmaps (glibc's upper limit on 64-bit).</summary>
    public const int MmapThreshold = 32 << 20;
    /// <summary>Free memory at the top of a heap kept before trimming it back to the kernel.</summary>
    public const int TrimThreshold = 1 << 30;
    /// <summary>Extra memory asked for whenever a heap grows.</summary>
    public const int TopPad = 64 << 20;

    private static readonly Lock s_lock = new();
    private static bool? s_tuned;

    /// <summary>Whether <see cref="Tune"/> applied the settings in this process (null before it was called).</summary>
    public static bool? Tuned => s_tuned;

    /// <summary>Applies the settings once per process; returns whether they are in effect.</summary>
    public static bool Tune()
    {
        lock (s_lock)
        {
            if (s_tuned is { } done) return done;
            s_tuned = false;
            if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(DisableVariable) == "0") return false;
            try
            {
                s_tuned = mallopt(MMmapThreshold, MmapThreshold) == 1
                    & mallopt(MTrimThreshold, TrimThreshold) == 1
                    & mallopt(MTopPad, TopPad) == 1;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // not glibc (musl has no mallopt): its allocator stays as it is
            }
            return s_tuned.Value;
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int mallopt(int param, int value);
}
