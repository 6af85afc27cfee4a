using System.Diagnostics;
using Cooper.Data.Embedded;
using Cooper.Generation;
using Cooper.Modeling;
using Cooper.RL;
using Cooper.Tokenizers;

namespace Cooper.Rollouts;

/// <summary>
/// Rollouts on OpenAI-compatible servers (<see cref="RolloutConfig"/>), kept on the policy's weights.
/// </summary>
/// <remarks>
/// <para><b>Sampling.</b> A step's prompts are cut into requests (<see cref="RolloutConfig.PromptsPerRequest"/>, by
/// default one per live server) with seeds derived from the step's seed (one request: the step's seed itself, so one
/// <c>cooper serve</c> returns exactly what the in-process engine would). Requests go to the live servers, at most
/// <see cref="RolloutConfig.RequestsPerServer"/> each at a time.</para>
/// <para><b>Faults.</b> A server that cannot be reached, times out, answers 5xx/408/429 or sends a malformed reply is
/// dropped and its requests go to the others; when none is left the step throws before anything of it was applied
/// (the policy update comes after the rollouts), and the run resumes from its last checkpoint as any stopped run. A
/// request the server refuses (other 4xx: a prompt too long for its context, say) is an error of the run, not of the
/// server, and throws at once.</para>
/// <para><b>Weights.</b> Only servers on the current weights take requests. <see cref="SyncAsync"/> writes the policy
/// (HF folder, tokenizer included) under <see cref="RolloutConfig.SyncDir"/> and asks each server to load it; a server
/// that fails is dropped, and asked again before the next step's rollouts (so a restarted server rejoins). The
/// previous weights folder is deleted once the new one is written.</para>
/// <para><b>Probe.</b> After a sync each server samples a short greedy continuation of a fixed prompt; the mean
/// |served − trainer| log-prob over its tokens must stay under <see cref="RolloutConfig.ProbeTolerance"/>.</para>
/// </remarks>
public sealed class EndpointRollouts : IRolloutBackend
{
    private const int ProbeTokens = 16;

    private readonly RolloutConfig _cfg;
    private readonly CausalLM _policy;
    private readonly ITokenizer _tokenizer;
    private readonly string _syncRoot;
    private readonly int[] _probePrompt;
    private readonly Action<string>? _log;
    private readonly List<Server> _servers;
    private int _version = -1;
    private string? _weights;    // the folder of the current weights
    private int _failovers;      // requests moved to another server since the last metrics read

    private sealed class Server(CompletionServer client)
    {
        public CompletionServer Client { get; } = client;
        public int Version { get; set; } = -1;   // weights version the server holds (-1: unknown or failed)
    }

    /// <param name="cfg">The backend's settings (validated here).</param>
    /// <param name="policy">The policy being trained; read at each sync.</param>
    /// <param name="tokenizer">The policy's tokenizer, written with the weights.</param>
    /// <param name="runPath">The run folder (the default sync folder lies in it).</param>
    /// <param name="probePrompt">Prompt ids of the sync probe (a training prompt).</param>
    /// <param name="log">Where warnings and fault reports go.</param>
    public EndpointRollouts(RolloutConfig cfg, CausalLM policy, ITokenizer tokenizer, string runPath, int[] probePrompt, Action<string>? log = null)
    {
        cfg.Validate();
        if (cfg.Backend != RolloutBackend.Endpoint) throw new ArgumentException("EndpointRollouts needs rollout.backend=endpoint");
        if (probePrompt.Length == 0) throw new ArgumentException("the probe prompt is empty");
        _cfg = cfg;
        _policy = policy;
        _tokenizer = tokenizer;
        _syncRoot = Path.GetFullPath(string.IsNullOrEmpty(cfg.SyncDir) ? Path.Combine(runPath, "rollout_weights") : cfg.SyncDir);
        _probePrompt = probePrompt;
        _log = log;
        string? key = string.IsNullOrEmpty(cfg.ApiKeyEnv) ? null : Environment.GetEnvironmentVariable(cfg.ApiKeyEnv);
        _servers = cfg.BaseUrls().Select(u => new Server(new CompletionServer(u, TimeSpan.FromSeconds(cfg.TimeoutSeconds), key))).ToList();
    }

    /// <summary>Servers on the current weights.</summary>
    public int LiveServers => _servers.Count(s => s.Version == _version && _version >= 0);

    /// <inheritdoc />
    public async Task<IReadOnlyList<RolloutSample>> GenerateAsync(IReadOnlyList<int[]> prompts, SamplingParams p, CancellationToken ct = default)
    {
        if (_version < 0) throw new InvalidOperationException("call SyncAsync before the first GenerateAsync: the servers must hold the policy's weights");
        if (prompts.Count == 0) return [];
        await ReloadStaleAsync(ct).ConfigureAwait(false);
        var live = _servers.Where(s => s.Version == _version).ToList();
        if (live.Count == 0) throw NoServer();

        int size = _cfg.PromptsPerRequest > 0 ? _cfg.PromptsPerRequest : (prompts.Count + live.Count - 1) / live.Count;
        var chunks = Enumerable.Range(0, (prompts.Count + size - 1) / size).Select(c => (Start: c * size, Count: Math.Min(size, prompts.Count - c * size))).ToList();
        var results = new IReadOnlyList<RolloutSample>?[chunks.Count];
        var pending = Enumerable.Range(0, chunks.Count).ToList();
        while (pending.Count > 0)
        {
            live = _servers.Where(s => s.Version == _version).ToList();
            if (live.Count == 0) throw NoServer();
            // One round: the pending requests dealt round-robin over the live servers; failed ones come back.
            var gates = live.ToDictionary(s => s, _ => new SemaphoreSlim(_cfg.RequestsPerServer));
            var failed = new List<int>();
            var tasks = pending.Select((c, k) => RunAsync(c, live[k % live.Count])).ToList();
            await Task.WhenAll(tasks).ConfigureAwait(false);
            pending = failed;

            async Task RunAsync(int c, Server server)
            {
                var gate = gates[server];
                await gate.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    if (server.Version != _version) { lock (failed) failed.Add(c); return; }   // dropped meanwhile
                    var (start, count) = chunks[c];
                    var sub = p with { Seed = chunks.Count == 1 ? p.Seed : (long)(SplitMix64.Derive((ulong)p.Seed, 0xC40C, (ulong)c) & 0x7FFFFFFFFFFFFFFF) };
                    results[c] = await server.Client.CompleteAsync(prompts.Skip(start).Take(count).ToList(), sub, _cfg.Model, ct).ConfigureAwait(false);
                }
                catch (RolloutServerException e) when (e.ServerFault)
                {
                    server.Version = -1;
                    Interlocked.Increment(ref _failovers);
                    _log?.Invoke($"warning: rollout server {server.Client.BaseUrl} failed ({e.Message}); its requests go to the others");
                    lock (failed) failed.Add(c);
                }
                finally
                {
                    gate.Release();
                }
            }
        }

        var all = new List<RolloutSample>(prompts.Count * p.N);
        for (int c = 0; c < chunks.Count; c++)
            all.AddRange(results[c]!.Select(s => s with { PromptIndex = s.PromptIndex + chunks[c].Start }));
        return all;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, double>> SyncAsync(int version, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        string dir = Path.Combine(_syncRoot, $"policy-v{version}");
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        _policy.SavePretrained(dir);
        _tokenizer.Save(dir);
        string? previous = _weights;
        (_weights, _version) = (dir, version);
        if (previous is not null && previous != dir && Directory.Exists(previous)) Directory.Delete(previous, recursive: true);
        double tSave = clock.Elapsed.TotalSeconds;

        clock.Restart();
        await Task.WhenAll(_servers.Select(s => ReloadAsync(s, ct))).ConfigureAwait(false);
        double tReload = clock.Elapsed.TotalSeconds;

        var m = new Dictionary<string, double>
        {
            ["rollout/servers_live"] = LiveServers,
            ["rollout/failovers"] = Interlocked.Exchange(ref _failovers, 0),
            ["time/sync_save_s"] = tSave,
            ["time/sync_reload_s"] = tReload,
        };
        if (_cfg.Probe && LiveServers > 0)
        {
            double worst = 0;
            foreach (var s in _servers.Where(s => s.Version == _version))
            {
                double diff = await ProbeAsync(s, ct).ConfigureAwait(false);
                if (double.IsNaN(diff)) continue;   // dropped during the probe
                worst = Math.Max(worst, diff);
                if (diff > _cfg.ProbeTolerance)
                    _log?.Invoke($"warning: rollout server {s.Client.BaseUrl} after loading weights v{version}: mean |served − trainer| log-prob {diff:0.####} per token, over rollout.probe_tolerance {_cfg.ProbeTolerance}; is it serving the synced weights?");
            }
            m["rollout/probe_logprob_diff"] = worst;
        }
        return m;
    }

    /// <summary>
    /// The probe on one server: its greedy continuation of the probe prompt with its log-probs, against the trainer's
    /// log-probs of the same tokens (τ = 1, as greedy reports). NaN when the server failed meanwhile.
    /// </summary>
    public async Task<double> ProbeAsync(int serverIndex, CancellationToken ct = default) => await ProbeAsync(_servers[serverIndex], ct).ConfigureAwait(false);

    private async Task<double> ProbeAsync(Server s, CancellationToken ct)
    {
        IReadOnlyList<RolloutSample> served;
        try
        {
            served = await s.Client.CompleteAsync([_probePrompt], new SamplingParams { Temperature = 0, MaxNewTokens = ProbeTokens, N = 1, Seed = 0 }, _cfg.Model, ct).ConfigureAwait(false);
        }
        catch (RolloutServerException e) when (e.ServerFault)
        {
            s.Version = -1;
            _log?.Invoke($"warning: rollout server {s.Client.BaseUrl} failed the sync probe ({e.Message}); dropped until it reloads");
            return double.NaN;
        }
        var sample = served[0];
        if (sample.TokenIds.Length == 0) return 0;
        var trainer = TrainerLogProbs(_policy, _probePrompt, sample.TokenIds);
        return trainer.Zip(sample.LogProbs, (a, b) => Math.Abs((double)a - b)).Average();
    }

    /// <summary>log p(response token k | prefix) under <paramref name="model"/> at τ = 1 (the trainer's own log-probs, <see cref="PolicyUpdate.TargetLogProbs"/>).</summary>
    public static float[] TrainerLogProbs(CausalLM model, int[] prompt, int[] response)
    {
        var lp = PolicyUpdate.TargetLogProbs(model, [new PolicySequence(prompt, response, 0)], 1, 0, prompt.Length + response.Length)[0];
        return lp.AsSpan(prompt.Length - 1, response.Length).ToArray();   // target j is token j+1
    }

    private async Task ReloadStaleAsync(CancellationToken ct)
    {
        var stale = _servers.Where(s => s.Version != _version).ToList();
        if (stale.Count == 0) return;
        await Task.WhenAll(stale.Select(s => ReloadAsync(s, ct))).ConfigureAwait(false);
        foreach (var s in stale.Where(s => s.Version == _version))
            _log?.Invoke($"rollout server {s.Client.BaseUrl} is back on weights v{_version}");
    }

    private async Task ReloadAsync(Server s, CancellationToken ct)
    {
        try
        {
            await s.Client.UpdateWeightsAsync(_weights!, ct).ConfigureAwait(false);
            s.Version = _version;
        }
        catch (RolloutServerException e)
        {
            if (s.Version != -1 || _version == 0)
                _log?.Invoke($"warning: rollout server {s.Client.BaseUrl} did not load weights v{_version} ({e.Message}); it takes no requests until it does");
            s.Version = -1;
        }
    }

    private InvalidOperationException NoServer() => new(
        $"no rollout server holds the current weights (v{_version}) of {string.Join(", ", _servers.Select(s => s.Client.BaseUrl))}: " +
        "start them again (the run resumes from its last checkpoint with --resume), or set rollout.backend=local");

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var s in _servers) s.Client.Dispose();
    }
}
