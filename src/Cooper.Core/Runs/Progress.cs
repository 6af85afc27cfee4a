using System.Diagnostics;
using Spectre.Console;

namespace Cooper.Runs;

/// <summary>
/// Progress of long work with rate and ETA. A live Spectre.Console bar on a terminal; plain
/// periodic lines (<c>[sft] step 40/200 (20%) 3.1 it/s ETA 00:51 loss=1.23</c>) when output is
/// redirected (CI, pipes, files), so logs stay readable.
/// </summary>
public sealed class ProgressReporter : IDisposable
{
    private readonly string _label;
    private readonly long _total;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _interactive;
    private readonly TimeSpan _plainEvery;
    private TimeSpan? _lastPlain;
    private long _done;
    private long _startDone;
    private string _status = "";
    private readonly ProgressTask? _task;
    private readonly TaskCompletionSource? _finished;
    private readonly Task? _display;

    /// <summary>Starts reporting <paramref name="total"/> units of work labelled <paramref name="label"/>.</summary>
    public ProgressReporter(string label, long total, long alreadyDone = 0, bool? interactive = null, TimeSpan? plainEvery = null)
    {
        _label = label;
        _total = Math.Max(1, total);
        _done = _startDone = alreadyDone;
        _interactive = interactive ?? (!Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive);
        _plainEvery = plainEvery ?? TimeSpan.FromSeconds(10);
        if (_interactive)
        {
            // A Spectre.Console live progress display on its own task; Report() only updates the task.
            _finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var ready = new TaskCompletionSource<ProgressTask>(TaskCreationOptions.RunContinuationsAsynchronously);
            _display = AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async ctx =>
                {
                    var t = ctx.AddTask(Markup.Escape(label), maxValue: _total);
                    t.Value = alreadyDone;
                    ready.SetResult(t);
                    await _finished.Task.ConfigureAwait(false);
                });
            _task = ready.Task.GetAwaiter().GetResult();
        }
    }

    /// <summary>Units done per second since this reporter started.</summary>
    public double Rate => (_done - _startDone) / Math.Max(1e-9, _clock.Elapsed.TotalSeconds);

    /// <summary>Estimated time to finish at the current rate.</summary>
    public TimeSpan Eta => Rate <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(1e7, (_total - _done) / Rate));

    /// <summary>Marks progress and an optional short status (e.g. the latest loss).</summary>
    public void Report(long done, string? status = null)
    {
        _done = done;
        if (status is not null) _status = status;
        if (_task is not null)
        {
            _task.Value = _done;
            _task.Description = Markup.Escape($"{_label} {Rate:0.00} it/s {_status}");
        }
        else if (_done >= _total || _lastPlain is null || _clock.Elapsed - _lastPlain.Value >= _plainEvery)
        {
            _lastPlain = _clock.Elapsed;
            Console.WriteLine(Line());
        }
    }

    /// <summary>The progress line as text.</summary>
    public string Line()
    {
        double pct = 100.0 * _done / _total;
        var eta = Eta;
        string etaText = eta.TotalHours >= 1 ? eta.ToString(@"h\:mm\:ss") : eta.ToString(@"mm\:ss");
        return $"[{_label}] {_done}/{_total} ({pct:0}%) {Rate:0.00} it/s ETA {etaText}{(_status.Length > 0 ? " " + _status : "")}";
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_finished is null) return;
        _finished.TrySetResult();
        _display?.GetAwaiter().GetResult();
    }
}
