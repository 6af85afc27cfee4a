using System.CommandLine;
using System.Diagnostics;
using Cooper.Cli;
using Cooper.Tests.Modeling;

namespace Cooper.Tests.Endpoints;

/// <summary>Ctrl+C reaches asynchronous commands: the process entry point runs them with <c>InvokeAsync</c>.</summary>
[Collection("NonParallel")]   // swaps Console.Error
public class CancellationTests
{
    [Fact]
    public async Task Cancelling_annotate_while_the_judge_is_slow_stops_it_with_code_130()
    {
        await using var server = new FakeOpenAiServer(_ => new FakeReply { DelayMs = 60_000, Body = "{}" });
        using var dir = new TempDir();
        var input = Path.Combine(dir.Path, "completions.jsonl");
        File.WriteAllText(input, "{\"id\":\"a\",\"question\":\"What is 3*12?\",\"answer\":\"36\",\"completion\":\"3*12=36. The answer is \\\\boxed{36}.\"}\n");
        var parse = CliApp.Build().Parse(["annotate", "--completions", input, "--out", Path.Combine(dir.Path, "out"),
            "--judge-endpoint", server.BaseUrl, "--judge-model", "m"]);

        var stderr = new StringWriter();
        var saved = Console.Error;
        Console.SetError(stderr);
        try
        {
            using var cts = new CancellationTokenSource();
            var clock = Stopwatch.StartNew();
            var run = parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, cts.Token);
            while (server.RequestCount == 0 && clock.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(20);
            Assert.True(server.RequestCount > 0, "the judge request was never sent");
            cts.Cancel();
            var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(20)));
            Assert.Same(run, finished);                                   // well before the judge's 60 s reply
            Assert.Equal(130, await run);
        }
        finally { Console.SetError(saved); }
        Assert.Contains("cancelled", stderr.ToString());
        Assert.False(File.Exists(Path.Combine(dir.Path, "out", "labelled.jsonl")));
    }
}
