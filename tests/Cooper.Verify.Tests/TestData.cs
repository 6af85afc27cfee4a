using System.Text.Json.Nodes;
using Cooper.Verify.Batch;

namespace Cooper.Verify.Tests;

/// <summary>The copied data files: Math-Verify dev cases and GSM8K test (MIT, OpenAI).</summary>
internal static class TestData
{
    public static string PathOf(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "Data", .. parts]);

    public sealed record DevCase(int Line, string Source, string Gold, string Pred, bool Expected, VerifyOptions Options)
    {
        public override string ToString() => $"#{Line} {Source}";
    }

    private static readonly Lazy<IReadOnlyList<DevCase>> s_devCases = new(() =>
        File.ReadLines(PathOf("math_verify_dev_cases.jsonl")).Select((l, i) =>
        {
            var o = (JsonObject)JsonNode.Parse(l)!;
            return new DevCase(i + 1, o["source"]!.GetValue<string>(), o["gold"]!.GetValue<string>(), o["pred"]!.GetValue<string>(),
                o["expected"]!.GetValue<bool>(), CaseRunner.OptionsFor(o, VerifyOptions.Default));
        }).ToList());

    public static IReadOnlyList<DevCase> DevCases => s_devCases.Value;

    public sealed record GsmItem(string Question, string Solution, string Answer);

    private static readonly Lazy<IReadOnlyList<GsmItem>> s_gsm = new(() =>
        File.ReadLines(PathOf("gsm8k", "test.jsonl")).Select(l =>
        {
            var o = JsonNode.Parse(l)!;
            var sol = o["answer"]!.GetValue<string>();
            return new GsmItem(o["question"]!.GetValue<string>(), sol, sol[(sol.LastIndexOf("####", StringComparison.Ordinal) + 4)..].Trim());
        }).ToList());

    public static IReadOnlyList<GsmItem> Gsm8k => s_gsm.Value;
}
