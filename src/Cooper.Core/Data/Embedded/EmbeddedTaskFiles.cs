using System.Text.Json;
using System.Text.Json.Nodes;
using Cooper.Runs;

namespace Cooper.Data.Embedded;

/// <summary>Writes the embedded task's splits to a folder: <c>train</c>, <c>val</c>, <c>test</c> plus a <c>manifest.json</c>.</summary>
public static class EmbeddedTaskFiles
{
    /// <summary>
    /// Writes <c>{dir}/train{ext}</c>, <c>val{ext}</c>, <c>test{ext}</c> in <paramref name="format"/> and
    /// <paramref name="kind"/>, and <c>manifest.json</c> (seed, sizes, format, templates) so a run can say
    /// exactly which data it used. Returns the split files' paths.
    /// </summary>
    public static IReadOnlyList<string> Write(string dir, EmbeddedSplits splits, DatasetFormat format, FileKind kind)
    {
        Directory.CreateDirectory(dir);
        var paths = new List<string>();
        foreach (var (name, problems) in splits.All)
        {
            var path = Path.Combine(dir, name + DatasetFormats.Extension(kind));
            DatasetWriter.Write(path, problems, format, kind);
            paths.Add(path);
        }
        var manifest = new JsonObject
        {
            ["task"] = "cooper/arith",
            ["seed"] = splits.Seed,
            ["format"] = DatasetFormats.Name(format),
            ["kind"] = kind.ToString().ToLowerInvariant(),
            ["train"] = splits.Train.Count,
            ["val"] = splits.Validation.Count,
            ["test"] = splits.Test.Count,
            ["templates"] = new JsonArray(EmbeddedTask.TemplateNames.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()),
        };
        AtomicFile.WriteAllText(Path.Combine(dir, "manifest.json"), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return paths;
    }
}
