using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Bench;

/// <summary>
/// <c>scalar-race</c>: TorchSharp's tensor ops that take a <see cref="Scalar"/> (<c>a + b</c> passes alpha = 1 as a
/// temporary Scalar) read its native handle and call into libtorch without keeping the managed Scalar alive; a
/// garbage collection triggered by another thread during that call can finalize (free) the Scalar while libtorch
/// reads it. This hammers <c>a + b</c> on worker threads while another thread allocates, and counts failures and
/// wrong sums. Options: <c>--seconds 20</c>, <c>--threads 2</c> (adding threads).
/// </summary>
public static class ScalarRaceBench
{
    public static int Run(string[] args)
    {
        Console.WriteLine(BenchRegistry.Header("Cooper.Bench scalar-race " + string.Join(' ', args)));
        int seconds = BenchRegistry.IntArg(args, "--seconds", 20), threads = BenchRegistry.IntArg(args, "--threads", 2);
        torch.set_num_threads(1);
        long ops = 0, errors = 0, wrong = 0;
        var stop = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            torch.set_num_threads(1);
            using var a = torch.ones(64);
            using var b = torch.ones(64);
            while (stop.Elapsed.TotalSeconds < seconds)
            {
                try
                {
                    using var c = a + b;                     // alpha: a temporary Scalar(1)
                    if (c[0].item<float>() != 2f) Interlocked.Increment(ref wrong);
                }
                catch (Exception) { Interlocked.Increment(ref errors); }
                Interlocked.Increment(ref ops);
            }
        })).ToList();
        var garbage = new Thread(() =>
        {
            var keep = new object[64];
            int i = 0;
            while (stop.Elapsed.TotalSeconds < seconds) keep[i++ & 63] = new byte[256];
        });
        workers.ForEach(w => w.Start());
        garbage.Start();
        workers.ForEach(w => w.Join());
        garbage.Join();
        Console.WriteLine($"{ops:N0} additions on {threads} threads in {seconds} s; {GC.CollectionCount(0):N0} gen-0 collections; " +
            $"{errors} failed, {wrong} wrong sums");
        return errors + wrong == 0 ? 0 : 1;
    }
}
