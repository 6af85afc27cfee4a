using System.CommandLine;
using Cooper.Runtime;
using Spectre.Console;

namespace Cooper.Cli.Commands;

/// <summary><c>cooper info</c>: versions, device, threads, CUDA, and a tensor op that proves TorchSharp works.</summary>
public static class InfoCommand
{
    public static Command Create(GlobalOptions g)
    {
        var cmd = new Command("info", "Print versions (Cooper, .NET, TorchSharp, libtorch), the device, threads and CUDA availability");
        cmd.SetAction(pr => g.Run(pr, () =>
        {
            var device = g.InitTorch(pr);
            foreach (var (k, v) in TorchRuntime.Describe(device))
                Console.WriteLine($"{k,-15} {v}");
            return 0;
        }));
        return cmd;
    }
}
