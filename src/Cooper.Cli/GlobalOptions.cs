using System.CommandLine;
using Cooper.Configuration;
using Cooper.Runtime;
using TorchSharp;

namespace Cooper.Cli;

/// <summary>Options every command takes: device, threads, seed, external libtorch, verbosity.</summary>
public sealed class GlobalOptions
{
    public readonly Option<DeviceChoice> Device = new("--device")
    {
        Description = "auto (CUDA when available), cpu or cuda",
        DefaultValueFactory = _ => DeviceChoice.Auto,
        Recursive = true,
    };
    public readonly Option<int?> Threads = new("--threads") { Description = "CPU threads for TorchSharp (default: libtorch's choice)", Recursive = true };
    public readonly Option<long?> Seed = new("--seed") { Description = "random seed (overrides the config's)", Recursive = true };
    public readonly Option<string?> LibTorch = new("--libtorch")
    {
        Description = $"folder with an external libtorch (e.g. a CUDA PyTorch install's torch/lib); default ${TorchRuntime.LibTorchDirVariable}",
        Recursive = true,
    };
    public readonly Option<bool> Verbose = new("--verbose") { Description = "show stack traces on errors", Recursive = true };

    public void AddTo(RootCommand root)
    {
        root.Options.Add(Device);
        root.Options.Add(Threads);
        root.Options.Add(Seed);
        root.Options.Add(LibTorch);
        root.Options.Add(Verbose);
    }

    /// <summary>Sets up TorchSharp for a command and returns the device to use.</summary>
    public torch.Device InitTorch(ParseResult pr) =>
        TorchRuntime.Initialize(pr.GetValue(LibTorch), pr.GetValue(Device), pr.GetValue(Threads), pr.GetValue(Seed));

    /// <summary>
    /// Runs a command body: errors become one clear line on stderr and exit code 1
    /// (2 for config errors); <c>--verbose</c> adds the stack trace.
    /// </summary>
    public int Run(ParseResult pr, Func<int> body)
    {
        try { return body(); }
        catch (Exception e)
        {
            var inner = e is System.Reflection.TargetInvocationException { InnerException: { } ie } ? ie : e;
            Console.Error.WriteLine($"error: {inner.Message}");
            if (pr.GetValue(Verbose)) Console.Error.WriteLine(inner);
            return inner is ConfigException ? 2 : 1;
        }
    }

    /// <summary>
    /// Async variant of <see cref="Run(ParseResult, Func{int})"/>. When <paramref name="ct"/> (the command's
    /// token: Ctrl+C or SIGTERM) cancels the body, it prints <c>cancelled</c> and returns 130, the shell's
    /// code for an interrupted command.
    /// </summary>
    public async Task<int> RunAsync(ParseResult pr, Func<Task<int>> body, CancellationToken ct = default)
    {
        try { return await body(); }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            if (pr.GetValue(Verbose)) Console.Error.WriteLine(e);
            return e is ConfigException ? 2 : 1;
        }
    }
}
