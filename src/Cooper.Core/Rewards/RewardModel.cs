using Cooper.Modeling;
using Cooper.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Rewards;

/// <summary>One reward-model input: the problem, its reference answer and the completion to judge.</summary>
public sealed record RmInput(string Question, string Reference, string Completion);

/// <summary>
/// VerifyRM (paper §3.1): a reference-based reward model. A sequence classifier with one logit reads
/// <see cref="RewardModelTemplate.Format"/>(question, reference, completion); σ(logit) is P(the
/// completion's final answer is correct).
/// </summary>
/// <remarks>
/// <para>Batches are <b>right</b>-padded. <see cref="SequenceClassifier"/> pools at the rightmost non-pad
/// token, which for right padding is each row's last real token; and with causal attention no real token
/// ever attends to a pad, so a row's logit does not depend on what it is batched with (up to float
/// round-off in the batched matmuls). Left padding would put pads before real tokens, whose queries
/// then see no valid key at all.</para>
/// <para>No special tokens are added (HF's Qwen tokenizers add none either): the text ends with
/// <c>&lt;/completion&gt;</c>, so the pooled token is the template's last character/piece.</para>
/// </remarks>
public sealed class RewardModel : IDisposable
{
    private const string CompletionClose = "</completion>";
    private readonly int? _maxLength;
    private readonly bool _ownsTokenizer;
    private readonly long _padId;

    /// <summary>The classifier (backbone + <c>score</c> head with one label).</summary>
    public SequenceClassifier Model { get; }

    /// <summary>The tokenizer (the policy's, for a reward model initialised from it).</summary>
    public ITokenizer Tokenizer { get; }

    /// <summary>
    /// Token cap per input; default the model's <c>max_position_embeddings</c>. A longer input keeps
    /// the start of the template (question and reference) and the <b>end</b> of the completion, where
    /// the final answer is; see <see cref="Encode"/>.
    /// </summary>
    public int MaxLength
    {
        get => _maxLength ?? Model.Config.MaxPositionEmbeddings;
        init => _maxLength = value switch
        {
            0 => null,
            >= 8 => value,
            _ => throw new ArgumentException($"MaxLength must be ≥ 8 tokens (or 0 for the model's maximum), got {value}"),
        };
    }

    /// <summary>Wraps <paramref name="model"/> (which must have one label) and <paramref name="tokenizer"/>.</summary>
    /// <param name="ownsTokenizer">Dispose the tokenizer with this object (false when it is shared with the policy).</param>
    public RewardModel(SequenceClassifier model, ITokenizer tokenizer, bool ownsTokenizer = true)
    {
        if (model.NumLabels != 1)
            throw new ArgumentException($"a reward model needs a classifier with num_labels = 1, got {model.NumLabels}");
        Model = model;
        Tokenizer = tokenizer;
        _ownsTokenizer = ownsTokenizer;
        // The classifier pools at the rightmost token that is not its config's pad id, so pad with exactly that id.
        _padId = model.Config.PadTokenId ?? tokenizer.PadTokenId ?? tokenizer.EosTokenId ?? 0;
    }

    /// <summary>Loads an HF <c>*ForSequenceClassification</c> folder (num_labels 1) and its tokenizer.</summary>
    public static RewardModel Load(string dir, Device? device = null) => Load(dir, device, maxLength: 0);

    /// <summary><see cref="Load(string, Device?)"/> with a token cap (0 = the model's maximum).</summary>
    public static RewardModel Load(string dir, Device? device, int maxLength)
    {
        var model = SequenceClassifier.FromPretrained(dir, device);
        try { return new RewardModel(model, TokenizerLoader.Load(dir)) { MaxLength = maxLength }; }
        catch { model.Dispose(); throw; }
    }

    /// <summary>
    /// A reward model whose backbone is a copy of <paramref name="policy"/>'s and whose <c>score</c> head
    /// is drawn from <paramref name="seed"/> (the paper initialises VerifyRM from a policy-sized LM).
    /// The tokenizer is shared, not owned. When the policy's config has no pad id the tokenizer's is
    /// written into the classifier's, as HF's sequence classifiers need one for batches.
    /// </summary>
    public static RewardModel FromPolicy(CausalLM policy, ITokenizer tokenizer, long seed)
    {
        var model = SequenceClassifier.FromCausalLM(policy, numLabels: 1, seed);
        if (model.Config.PadTokenId is null && tokenizer.PadTokenId is { } pad)
        {
            var patched = SequenceClassifier.Create(model.Config with { PadTokenId = pad }, seed, policy.Device, policy.Dtype);
            var source = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            using (torch.no_grad())
                foreach (var (name, p) in patched.named_parameters()) p.copy_(source[name]);
            model.Dispose();
            model = patched;
        }
        return new RewardModel(model, tokenizer, ownsTokenizer: false);
    }

    /// <summary>
    /// Writes an HF folder: <c>config.json</c> (<c>Qwen2ForSequenceClassification</c>, one label),
    /// <c>model.safetensors</c> and the tokenizer files.
    /// </summary>
    public void Save(string dir)
    {
        Model.SavePretrained(dir);
        Tokenizer.Save(dir);
    }

    /// <summary>
    /// Token ids of one input: the template, cut to <see cref="MaxLength"/> when longer. The template's
    /// head (<c>&lt;question&gt;…&lt;completion&gt;</c>) keeps its first tokens and the completion side
    /// (completion + <c>&lt;/completion&gt;</c>) its last ones; the completion side gets whatever the head
    /// leaves but never less than half the cap.
    /// </summary>
    public int[] Encode(RmInput input)
    {
        var text = RewardModelTemplate.Format(input.Question, input.Reference, input.Completion);
        var ids = Tokenizer.Encode(text);
        int max = MaxLength;
        if (ids.Length <= max) return ids;
        // Re-encode the two sides separately: the cut has to fall between them.
        var empty = RewardModelTemplate.Format(input.Question, input.Reference, "");
        var head = Tokenizer.Encode(empty[..^CompletionClose.Length]);
        var tail = Tokenizer.Encode(text[(empty.Length - CompletionClose.Length)..]);
        int tailKeep = Math.Min(tail.Length, Math.Max(max / 2, max - head.Length));
        int headKeep = Math.Min(head.Length, max - tailKeep);
        return [.. head.AsSpan(0, headKeep), .. tail.AsSpan(tail.Length - tailKeep)];
    }

    /// <summary>
    /// Raw logits z (B,) for <paramref name="batch"/>, with gradient when grad mode is on (training).
    /// The caller disposes the result.
    /// </summary>
    public Tensor Logits(IReadOnlyList<RmInput> batch)
    {
        if (batch.Count == 0) throw new ArgumentException("a reward-model batch needs at least one input");
        return LogitsOfIds(batch.Select(Encode).ToList());
    }

    /// <summary>Logits (B,) of already encoded inputs; see <see cref="Logits"/>.</summary>
    public Tensor LogitsOfIds(IReadOnlyList<int[]> rows)
    {
        using var scope = torch.NewDisposeScope();
        var (ids, mask) = Collate(rows);                                 // (B, T), (B, T)
        // Right padding + causal attention: no real token sees a pad, and pooling finds the last
        // non-pad token by id, so the mask is only needed when the pad id is unknown. Without it the
        // backbone takes SDPA's fast causal path.
        var logits = Model.Config.PadTokenId is null ? Model.forward(ids, mask) : Model.forward(ids);  // (B, 1)
        return logits.squeeze(-1).MoveToOuterDisposeScope();            // (B,)
    }

    /// <summary>
    /// Score inputs that share a question and reference by running their common token prefix once
    /// (default true); see <see cref="Scores"/>. Off, every input runs whole.
    /// </summary>
    public bool SharePrefix { get; init; } = true;

    /// <summary>Score identical inputs once (default true); see <see cref="Scores"/>.</summary>
    public bool ScoreDuplicatesOnce { get; init; } = true;

    /// <summary>A common prefix shorter than this (tokens) is not worth its own forward pass.</summary>
    public const int MinSharedPrefix = 8;

    /// <summary>
    /// P(correct) = σ(z) per input, without gradient, in micro-batches of at most <paramref name="microBatch"/>
    /// inputs; results are in input order.
    /// </summary>
    /// <remarks>
    /// GRPO scores n completions of each problem, and the template puts the question and reference first,
    /// so most of each input is the same for the whole group. Identical inputs are scored once (with
    /// <see cref="ScoreDuplicatesOnce"/>: a small policy often repeats itself, a hacked one always); with
    /// <see cref="SharePrefix"/>, inputs with the same question and reference are scored as one prefix
    /// (their longest common token prefix, run once into a KV cache: <see cref="SequenceClassifier.Prefill"/>)
    /// plus their right-padded continuations in batches of similar length
    /// (<see cref="SequenceClassifier.ForwardContinuations"/>). The remaining inputs are grouped by length
    /// (sorted) so a micro-batch carries little padding. Every path gives the same scores up to float round-off.
    /// </remarks>
    public float[] Scores(IReadOnlyList<RmInput> batch, int microBatch = 32)
    {
        if (microBatch < 1) throw new ArgumentException($"microBatch must be ≥ 1, got {microBatch}");
        // Identical inputs (a policy that has collapsed repeats itself) are scored once.
        var uniqueIndex = new Dictionary<RmInput, int>();
        var unique = new List<RmInput>();
        var slot = new int[batch.Count];
        for (int i = 0; i < batch.Count; i++)
        {
            if (!ScoreDuplicatesOnce || !uniqueIndex.TryGetValue(batch[i], out int u))
            {
                u = unique.Count;
                uniqueIndex.TryAdd(batch[i], u);
                unique.Add(batch[i]);
            }
            slot[i] = u;
        }
        var encoded = unique.Select(Encode).ToArray();
        var uniqueScores = new float[unique.Count];
        var plain = new List<int>();
        using var noGrad = torch.no_grad();
        if (SharePrefix)
        {
            foreach (var group in Enumerable.Range(0, unique.Count).GroupBy(i => (unique[i].Question, unique[i].Reference)))
            {
                var members = group.ToArray();
                for (int start = 0; start < members.Length; start += microBatch)
                {
                    var chunk = members[start..Math.Min(members.Length, start + microBatch)];
                    int p = chunk.Length < 2 ? 0 : CommonPrefixLength(chunk.Select(i => encoded[i]).ToList());
                    if (p < MinSharedPrefix) plain.AddRange(chunk);
                    else ScoreSharedPrefix(chunk, encoded, p, uniqueScores);
                }
            }
        }
        else plain.AddRange(Enumerable.Range(0, unique.Count));

        var order = plain.OrderBy(i => encoded[i].Length).ToArray();
        for (int start = 0; start < order.Length; start += microBatch)
        {
            var chunk = order[start..Math.Min(order.Length, start + microBatch)];
            using var scope = torch.NewDisposeScope();
            var p = LogitsOfIds(chunk.Select(i => encoded[i]).ToList()).to(ScalarType.Float32).sigmoid(); // (b,)
            var host = p.cpu().data<float>().ToArray();    // one device sync per micro-batch
            for (int k = 0; k < chunk.Length; k++) uniqueScores[chunk[k]] = host[k];
        }

        var scores = new float[batch.Count];
        for (int i = 0; i < batch.Count; i++) scores[i] = uniqueScores[slot[i]];
        return scores;
    }

    /// <summary>
    /// The longest token prefix all <paramref name="rows"/> share, capped so every row keeps at least one
    /// token of its own (the pooled position must be in the continuation).
    /// </summary>
    public static int CommonPrefixLength(IReadOnlyList<int[]> rows)
    {
        if (rows.Count == 0) return 0;
        var first = rows[0];
        int p = rows.Min(r => r.Length) - 1;
        for (int r = 1; r < rows.Count && p > 0; r++)
            p = Math.Min(p, first.AsSpan(0, p).CommonPrefixLength(rows[r].AsSpan(0, p)));
        return Math.Max(p, 0);
    }

    /// <summary>
    /// σ(z) of the inputs <paramref name="chunk"/> (indices into <paramref name="encoded"/>), which share their
    /// first <paramref name="p"/> tokens: the prefix runs once, then its continuations in batches of similar
    /// length (a batch grows while its padded area stays within <see cref="PaddingSlack"/> of its real tokens).
    /// </summary>
    private void ScoreSharedPrefix(int[] chunk, int[][] encoded, int p, float[] into)
    {
        var device = Model.Device;
        using var outer = torch.NewDisposeScope();
        var prefixIds = torch.tensor(encoded[chunk[0]].AsSpan(0, p).ToArray().Select(x => (long)x).ToArray(), [1, p], ScalarType.Int64).to(device);
        using var prefix = Model.Prefill(prefixIds);
        var sorted = chunk.OrderBy(i => encoded[i].Length).ToArray();
        int start = 0;
        while (start < sorted.Length)
        {
            int end = start + 1;
            long real = encoded[sorted[start]].Length - p;
            while (end < sorted.Length)
            {
                long len = encoded[sorted[end]].Length - p;          // the longest so far: rows are sorted
                if (len * (end - start + 1) > PaddingSlack * (real + len)) break;
                real += len;
                end++;
            }
            var rows = sorted[start..end];
            using var scope = torch.NewDisposeScope();
            var suffixes = rows.Select(i => encoded[i][p..]).ToList();
            var (ids, _) = Collate(suffixes);                                                    // (b, S) right-padded
            var last = torch.tensor(suffixes.Select(r => (long)r.Length - 1).ToArray(), ScalarType.Int64).to(device); // (b,)
            var prob = Model.ForwardContinuations(prefix, ids, last).squeeze(-1).to(ScalarType.Float32).sigmoid();
            var host = prob.cpu().data<float>().ToArray();
            for (int k = 0; k < rows.Length; k++) into[rows[k]] = host[k];
            start = end;
        }
    }

    /// <summary>A continuation batch may hold at most this many times its real tokens once padded.</summary>
    public const double PaddingSlack = 1.25;

    /// <summary>Right-pads <paramref name="rows"/> with the pad id: ids (B, T) int64 and attention mask (B, T) int64 on the model's device.</summary>
    public (Tensor Ids, Tensor Mask) Collate(IReadOnlyList<int[]> rows)
    {
        int b = rows.Count, t = rows.Max(r => r.Length);
        if (t == 0) throw new ArgumentException("every reward-model input encodes to no tokens");
        var ids = new long[b * t];
        var mask = new long[b * t];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < t; j++)
            {
                bool real = j < rows[i].Length;
                ids[i * t + j] = real ? rows[i][j] : _padId;
                mask[i * t + j] = real ? 1 : 0;
            }
        var device = Model.Device;
        return (torch.tensor(ids, [b, t], ScalarType.Int64).to(device), torch.tensor(mask, [b, t], ScalarType.Int64).to(device));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Model.Dispose();
        if (_ownsTokenizer && Tokenizer is IDisposable d) d.Dispose();
    }
}
