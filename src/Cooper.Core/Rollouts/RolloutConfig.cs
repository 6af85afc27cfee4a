using System.Text.RegularExpressions;
using Cooper.Configuration;

namespace Cooper.Rollouts;

/// <summary>Where the policy's training rollouts are sampled.</summary>
public enum RolloutBackend
{
    /// <summary>In the trainer's process, with the policy being trained (<see cref="Generation.RolloutEngine"/>).</summary>
    Local,

    /// <summary>On OpenAI-compatible inference servers (vLLM, SGLang, <c>cooper serve</c>) that reload the policy after every update.</summary>
    Endpoint,
}

/// <summary>
/// The rollout backend of a GRPO run (<c>rollout.*</c> keys). With <see cref="RolloutBackend.Endpoint"/> each
/// step's prompts go to <see cref="Urls"/> as <c>/v1/completions</c> requests (token-id prompts, the sampled token
/// ids and log-probs returned), and after every policy update the trainer writes the policy's HF folder under
/// <see cref="SyncDir"/> and asks every server to load it (<c>POST /update_weights_from_disk</c>, SGLang's API).
/// </summary>
/// <remarks>
/// Ours, as verl and OpenRLHF do with their vLLM engines: the trainer uses the token ids the server sampled, never a
/// re-tokenisation of the text; the ratio's old log-probs are the trainer's own (the server's are only compared
/// with them, <c>rollout/logprob_gap</c>).
/// </remarks>
public sealed partial record RolloutConfig : IValidatable
{
    /// <summary>Local (default) or endpoint.</summary>
    public RolloutBackend Backend { get; init; } = RolloutBackend.Local;

    /// <summary>Server base URLs, e.g. <c>http://127.0.0.1:8001</c> (a trailing <c>/v1</c> is accepted).</summary>
    public List<string> Urls { get; init; } = [];

    /// <summary>Model name sent with each request (vLLM: <c>--served-model-name</c>); empty = none (the server's only model).</summary>
    public string Model { get; init; } = "";

    /// <summary>
    /// Folder the servers can read where the trainer writes the policy after each update (a shared file system on a
    /// cluster); empty = <c>rollout_weights</c> in the run folder. Only the latest weights are kept.
    /// </summary>
    public string SyncDir { get; init; } = "";

    /// <summary>Prompts per request; 0 = the step's prompts split evenly over the live servers.</summary>
    public int PromptsPerRequest { get; init; }

    /// <summary>Requests in flight per server (vLLM and SGLang batch concurrent requests; <c>cooper serve</c> runs one at a time).</summary>
    public int RequestsPerServer { get; init; } = 1;

    /// <summary>Seconds one request (or one weight reload) may take before its server is counted as failed.</summary>
    public double TimeoutSeconds { get; init; } = 600;

    /// <summary>Name of the environment variable with the servers' API key (sent as a bearer token); empty = none.</summary>
    public string ApiKeyEnv { get; init; } = "";

    /// <summary>
    /// After each weight sync, sample a short greedy probe on every server and compare its log-probs with the
    /// trainer's on the same tokens (<c>rollout/probe_logprob_diff</c>); a difference over <see cref="ProbeTolerance"/> is warned about.
    /// </summary>
    public bool Probe { get; init; } = true;

    /// <summary>Mean |served − trainer| log-prob per probe token that counts as in sync (fp32 servers agree to ~1e-5; bf16 ones to a few 1e-2).</summary>
    public double ProbeTolerance { get; init; } = 0.05;

    /// <inheritdoc />
    public void Validate()
    {
        if (Backend == RolloutBackend.Endpoint && Urls.Count == 0)
            throw new ConfigException("rollout.urls: empty; the endpoint backend needs at least one server, e.g. rollout.urls=[http://127.0.0.1:8001]");
        for (int i = 0; i < Urls.Count; i++)
            if (!Uri.TryCreate(Urls[i], UriKind.Absolute, out var u) || (u.Scheme != "http" && u.Scheme != "https"))
                throw new ConfigException($"rollout.urls[{i}]: '{Urls[i]}' is not an absolute http(s) URL; use e.g. http://127.0.0.1:8001");
        if (Urls.Distinct(StringComparer.OrdinalIgnoreCase).Count() != Urls.Count)
            throw new ConfigException("rollout.urls: a server is listed twice");
        if (PromptsPerRequest < 0) throw new ConfigException($"rollout.prompts_per_request must be ≥ 0 (0 = split evenly; got {PromptsPerRequest})");
        if (RequestsPerServer < 1) throw new ConfigException($"rollout.requests_per_server must be ≥ 1 (got {RequestsPerServer})");
        if (!(TimeoutSeconds > 0) || double.IsInfinity(TimeoutSeconds)) throw new ConfigException($"rollout.timeout_seconds must be > 0 (got {TimeoutSeconds})");
        if (!(ProbeTolerance > 0)) throw new ConfigException($"rollout.probe_tolerance must be > 0 (got {ProbeTolerance})");
        if (!string.IsNullOrEmpty(ApiKeyEnv) && !EnvVarName().IsMatch(ApiKeyEnv))
            throw new ConfigException("rollout.api_key_env: must be the NAME of an environment variable (letters, digits, _), never the key itself");
    }

    /// <summary>The servers' base URLs without a trailing <c>/</c> or <c>/v1</c>.</summary>
    public IReadOnlyList<string> BaseUrls() =>
        Urls.Select(u => u.TrimEnd('/')).Select(u => u.EndsWith("/v1", StringComparison.Ordinal) ? u[..^3] : u).ToList();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvVarName();
}
