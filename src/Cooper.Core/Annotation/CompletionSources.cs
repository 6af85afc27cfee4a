using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cooper.Data;
using Cooper.Data.Embedded;
using Cooper.Generation;
using Cooper.Modeling;
using Cooper.Tokenizers;

namespace Cooper.Annotation;

/// <summary>Where completions to annotate come from: a policy's samples or a file of existing completions.</summary>
public static class CompletionSources
{
    /// <summary>
    /// Reads existing completions: JSONL with <c>question</c>, the reference (<c>reference</c>, <c>answer</c>,
    /// <c>reference_answer</c> or <c>gold_answer</c>) and either one <c>completion</c> (or <c>response</c>) or a
    /// list <c>completions</c> (or <c>responses</c>); optional <c>id</c>, <c>data_source</c>, <c>difficulty</c>.
    /// Any label fields are ignored.
    /// </summary>
    public static List<AnnotationItem> ReadCompletions(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        var items = new List<AnnotationItem>();
        int line = 0;
        foreach (var raw in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(raw)) continue;
            JsonObject o;
            try { o = JsonNode.Parse(raw) as JsonObject ?? throw new InvalidDataException($"{path}:{line}: expected a JSON object"); }
            catch (JsonException e) { throw new InvalidDataException($"{path}:{line}: invalid JSON: {e.Message}"); }
            var question = LabelledSet.Text(o, "question") ?? throw new InvalidDataException($"{path}:{line}: missing 'question'");
            var reference = LabelledSet.Text(LabelledSet.First(o, ["reference", "answer", "reference_answer", "gold_answer"]))
                ?? throw new InvalidDataException($"{path}:{line}: missing the reference ('reference' or 'answer')");
            List<string> completions;
            bool isList = LabelledSet.First(o, ["completions", "responses"]) is JsonArray;
            if (LabelledSet.First(o, ["completions", "responses"]) is JsonArray list)
                completions = list.Select((c, k) => LabelledSet.Text(c) ?? throw new InvalidDataException($"{path}:{line}: completion {k} is not a string")).ToList();
            else
                completions = [LabelledSet.Text(LabelledSet.First(o, ["completion", "response"]))
                    ?? throw new InvalidDataException($"{path}:{line}: missing 'completion' (or a 'completions' list)")];
            string id = LabelledSet.Text(o, "id") ?? $"row-{line}";
            int? difficulty = int.TryParse(LabelledSet.Text(o, "difficulty"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var d) ? d : null;
            for (int k = 0; k < completions.Count; k++)
                items.Add(new AnnotationItem(isList ? $"{id}#{k}" : id, question, reference, completions[k])
                {
                    DataSource = LabelledSet.Text(o, "data_source") ?? "",
                    Difficulty = difficulty,
                });
        }
        if (items.Count == 0) throw new InvalidDataException($"{path}: no completions");
        return items;
    }

    /// <summary>
    /// Samples <paramref name="samplesPerProblem"/> completions per problem from <paramref name="policy"/>,
    /// <paramref name="batchPrompts"/> prompts per generation call. The sampling seed of each call derives
    /// from (<paramref name="sampling"/>.Seed, first problem index), so a rerun gives the same completions.
    /// Item ids are <c>{problem id}#{k}</c>.
    /// </summary>
    public static List<AnnotationItem> Sample(CausalLM policy, ITokenizer tokenizer, IReadOnlyList<MathProblem> problems,
        int samplesPerProblem, SamplingParams sampling, PromptStyle style, int batchPrompts = 16, Action<int>? progress = null)
    {
        if (samplesPerProblem < 1) throw new ArgumentException($"samples per problem must be ≥ 1, got {samplesPerProblem}");
        if (batchPrompts < 1) throw new ArgumentException($"batchPrompts must be ≥ 1, got {batchPrompts}");
        var prompt = new PolicyPrompt(style, tokenizer);
        var stops = prompt.StopTokenIds.Count > 0 ? prompt.StopTokenIds : sampling.StopTokenIds;
        var engine = new RolloutEngine(policy, tokenizer);
        var items = new List<AnnotationItem>(problems.Count * samplesPerProblem);
        policy.eval();
        for (int start = 0; start < problems.Count; start += batchPrompts)
        {
            var chunk = problems.Skip(start).Take(batchPrompts).ToList();
            var p = sampling with
            {
                N = samplesPerProblem,
                StopTokenIds = stops,
                Seed = (long)(SplitMix64.Derive((ulong)sampling.Seed, 0xA11_07A7EUL, (ulong)start) & 0x7FFF_FFFF_FFFF_FFFFUL),
            };
            foreach (var s in engine.Generate(chunk.Select(prompt.Text).ToList(), p))
            {
                var prob = chunk[s.PromptIndex];
                items.Add(new AnnotationItem($"{prob.Id}#{s.SampleIndex}", prob.Question, prob.ReferenceAnswer, s.Text)
                {
                    DataSource = prob.DataSource,
                    Difficulty = prob.Difficulty,
                });
            }
            progress?.Invoke(Math.Min(problems.Count, start + batchPrompts));
        }
        return items;
    }
}
