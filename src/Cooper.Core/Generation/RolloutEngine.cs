using Cooper.Modeling;
using Cooper.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Generation;

/// <summary>
/// Batched rollout generation with a preallocated KV cache: prompts (× N samples) are left-padded into one
/// batch, prefilled in one forward, then decoded one token per step for every unfinished row.
/// </summary>
/// <remarks>
/// <para>Per step: one forward of the new tokens against the cache (written in place, no concatenation),
/// one sample, one host read of (token, log-prob) per row. Position ids come from the attention mask, so a
/// left-padded row generates exactly what it would alone (greedy), as in HF's <c>generate</c>.</para>
/// <para>Finished rows are dropped from the batch (cache, mask and inputs compacted) once at least
/// 1/<see cref="CompactionDivisor"/> of the batch has finished, so long tails do not pay for short answers.</para>
/// <para>Runs under inference mode; each step's tensors live in one dispose scope; the cache, mask and
/// generator are disposed when the call returns, so repeated calls do not grow the live tensor count.</para>
/// </remarks>
public sealed class RolloutEngine
{
    private readonly CausalLM _model;
    private readonly ITokenizer? _tokenizer;

    /// <summary>Compact the batch when finished rows reach batch / this (default 8).</summary>
    public int CompactionDivisor { get; init; } = 8;

    public RolloutEngine(CausalLM model, ITokenizer? tokenizer = null)
    {
        _model = model;
        _tokenizer = tokenizer;
    }

    /// <summary>Encodes <paramref name="prompts"/> with the tokenizer and generates; see <see cref="Generate(IReadOnlyList{int[]}, SamplingParams)"/>.</summary>
    public IReadOnlyList<RolloutSample> Generate(IReadOnlyList<string> prompts, SamplingParams p)
    {
        var tok = _tokenizer ?? throw new InvalidOperationException("text prompts need a tokenizer: pass one to RolloutEngine");
        return Generate(prompts.Select(tok.Encode).ToList(), p);
    }

    /// <summary>
    /// Generates <see cref="SamplingParams.N"/> samples for each prompt. Results are ordered prompt-major
    /// (prompt 0's samples, then prompt 1's, …).
    /// </summary>
    public IReadOnlyList<RolloutSample> Generate(IReadOnlyList<int[]> prompts, SamplingParams p)
    {
        p.Validate();
        if (prompts.Count == 0) return [];
        int vocab = _model.Config.VocabSize;
        for (int i = 0; i < prompts.Count; i++)
        {
            if (prompts[i].Length == 0) throw new ArgumentException($"prompt {i} is empty: every prompt needs at least one token");
            foreach (int id in prompts[i])
                if (id < 0 || id >= vocab) throw new ArgumentException($"prompt {i} holds token id {id}, outside the model's vocabulary (size {vocab})");
        }

        int n = p.N, rows = prompts.Count * n;
        int maxPrompt = prompts.Max(x => x.Length);
        int capacity = maxPrompt + p.MaxNewTokens;
        var stopIds = new HashSet<int>(p.StopTokenIds);
        if (!p.IgnoreEos && _tokenizer?.EosTokenId is { } eos) stopIds.Add(eos);
        long pad = _tokenizer?.PadTokenId ?? _model.Config.PadTokenId ?? 0;
        int stopWindow = p.StopStrings.Count == 0 ? 0 : p.StopStrings.Max(s => s.Length) + 8;
        if (p.StopStrings.Count > 0 && _tokenizer is null)
            throw new ArgumentException("StopStrings need a tokenizer: pass one to RolloutEngine");

        // Host-side state per row (row r = prompt r / N, sample r % N).
        var tokens = new List<int>[rows];
        var logps = new List<float>[rows];
        var finish = new FinishReason?[rows];
        var stoppedByToken = new bool[rows];
        for (int r = 0; r < rows; r++) { tokens[r] = []; logps[r] = []; }
        var batchRows = Enumerable.Range(0, rows).ToList();   // batch index → row

        var inputHost = new long[rows * maxPrompt];
        var maskHost = new long[rows * capacity];
        for (int r = 0; r < rows; r++)
        {
            var prompt = prompts[r / n];
            int offset = maxPrompt - prompt.Length;
            for (int j = 0; j < maxPrompt; j++)
            {
                inputHost[r * maxPrompt + j] = j < offset ? pad : prompt[j - offset];
                maskHost[r * capacity + j] = j < offset ? 0 : 1;
            }
        }

        var device = _model.Device;
        using var inference = torch.inference_mode();
        using var generator = new torch.Generator(unchecked((ulong)p.Seed), device);
        using var cache = _model.NewCache(rows, capacity);
        Tensor mask = Detached(() => torch.tensor(maskHost, [rows, capacity], ScalarType.Int64).to(device));   // (B, capacity)
        Tensor next = Detached(() => torch.tensor(inputHost, [rows, maxPrompt], ScalarType.Int64).to(device)); // (B, T) prompt, then (B, 1)
        try
        {
            int filled = 0;   // positions in the cache
            for (int step = 0; step < p.MaxNewTokens; step++)
            {
                float[] host;
                using (var scope = torch.NewDisposeScope())
                {
                    int t = (int)next.shape[1];
                    if (step > 0) mask.narrow(1, filled, 1).fill_(1);
                    var maskView = mask.narrow(1, 0, filled + t);                               // (B, past + T)
                    var hidden = _model.ForwardHidden(next, maskView, null, cache);              // (B, T, C)
                    var logits = _model.Logits(hidden.narrow(1, t - 1, 1).squeeze(1));           // (B, V)
                    var (tok, lp) = Sampler.Sample(logits, p, generator);                        // (B,), (B,)
                    // One host read per step: ids < 2^24 are exact in float32.
                    host = torch.stack([tok.to(ScalarType.Float32), lp], 1).cpu().data<float>().ToArray(); // (B, 2)
                    var nextTok = tok.unsqueeze(1).DetachFromDisposeScope();                    // (B, 1)
                    next.Dispose();
                    next = nextTok;
                    filled += t;
                }

                int live = 0;
                for (int b = 0; b < batchRows.Count; b++)
                {
                    int r = batchRows[b];
                    if (finish[r] is not null) continue;
                    int id = (int)host[2 * b];
                    tokens[r].Add(id);
                    logps[r].Add(host[2 * b + 1]);
                    if (stopIds.Contains(id)) { finish[r] = FinishReason.Stop; stoppedByToken[r] = true; }
                    else if (stopWindow > 0 && ContainsStop(tokens[r], stopWindow, p)) finish[r] = FinishReason.Stop;
                    else if (tokens[r].Count >= p.MaxNewTokens) finish[r] = FinishReason.Length;
                    if (finish[r] is null) live++;
                }
                if (live == 0) break;

                int done = batchRows.Count - live;
                if (done > 0 && done >= Math.Max(1, batchRows.Count / Math.Max(1, CompactionDivisor)))
                {
                    var keep = Enumerable.Range(0, batchRows.Count).Where(b => finish[batchRows[b]] is null).Select(b => (long)b).ToArray();
                    using var scope = torch.NewDisposeScope();
                    var keepT = torch.tensor(keep, ScalarType.Int64).to(device);
                    cache.KeepRows(keepT);
                    var m2 = mask.index_select(0, keepT).DetachFromDisposeScope();
                    var n2 = next.index_select(0, keepT).DetachFromDisposeScope();
                    mask.Dispose();
                    next.Dispose();
                    (mask, next) = (m2, n2);
                    batchRows = keep.Select(b => batchRows[(int)b]).ToList();
                }
            }
        }
        finally
        {
            mask.Dispose();
            next.Dispose();
        }

        var results = new RolloutSample[rows];
        for (int r = 0; r < rows; r++)
        {
            var ids = tokens[r].ToArray();
            string text = "";
            if (_tokenizer is not null)
            {
                var textIds = (stoppedByToken[r] ? ids[..^1] : ids).Where(id => id < _tokenizer.VocabSize).ToArray();
                text = _tokenizer.Decode(textIds, p.SkipSpecialTokens);
                int cut = p.StopStrings.Select(s => text.IndexOf(s, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
                if (cut >= 0) text = text[..cut];
            }
            results[r] = new RolloutSample(r / n, r % n, ids, text, logps[r].ToArray(), finish[r] ?? FinishReason.Length);
        }
        return results;
    }

    private bool ContainsStop(List<int> ids, int window, SamplingParams p)
    {
        int start = Math.Max(0, ids.Count - window);
        var tail = ids.GetRange(start, ids.Count - start).Where(id => id < _tokenizer!.VocabSize).ToArray();
        var text = _tokenizer!.Decode(tail, p.SkipSpecialTokens);
        foreach (var s in p.StopStrings)
            if (text.Contains(s, StringComparison.Ordinal)) return true;
        return false;
    }

    private static Tensor Detached(Func<Tensor> make)
    {
        using var scope = torch.NewDisposeScope();
        return make().DetachFromDisposeScope();
    }
}
