using System.Text;
using Cooper.Data;

namespace Cooper.Tests.Data;

/// <summary>Dataset files that are not valid UTF-8: each bad line is a reported row error, never silent U+FFFD text.</summary>
public class BadInputTests
{
    private static readonly byte[] s_invalid = [0xFF, 0xFE];   // never valid in UTF-8

    private static string Row(string question, string answer) =>
        $$"""{"question": "{{question}}", "answer": "{{answer}}"}""";

    /// <summary>Writes the lines as UTF-8, with <see cref="s_invalid"/> spliced into line <paramref name="badLine"/> (1-based) after its first 15 bytes.</summary>
    private static string WriteWithInvalidBytes(DataTestFiles files, string name, int badLine, params string[] lines)
    {
        var bytes = new List<byte>();
        for (int i = 0; i < lines.Length; i++)
        {
            var line = Encoding.UTF8.GetBytes(lines[i]);
            if (i + 1 == badLine) bytes.AddRange([.. line[..15], .. s_invalid, .. line[15..]]);
            else bytes.AddRange(line);
            bytes.Add((byte)'\n');
        }
        var path = files.PathOf(name);
        File.WriteAllBytes(path, [.. bytes]);
        return path;
    }

    [Fact]
    public void A_jsonl_line_with_invalid_utf8_is_skipped_and_reported_with_file_and_line()
    {
        using var files = new DataTestFiles();
        var path = WriteWithInvalidBytes(files, "bad.jsonl", 2, Row("one plus one?", "2"), Row("two plus two?", "4"), Row("three plus three?", "6"));

        var result = DatasetReader.Load(path, new DatasetReadOptions { Format = DatasetFormat.Plain });

        Assert.Equal(["2", "6"], result.Problems.Select(p => p.ReferenceAnswer));
        var error = Assert.Single(result.Errors);
        Assert.Equal(path, error.File);
        Assert.Equal(2, error.Row);
        Assert.Contains("UTF-8", error.Message);
        Assert.DoesNotContain(result.Problems, p => p.Question.Contains('\uFFFD'));
    }

    [Fact]
    public void Strict_mode_throws_at_the_invalid_utf8_line()
    {
        using var files = new DataTestFiles();
        var path = WriteWithInvalidBytes(files, "bad.jsonl", 3, Row("one plus one?", "2"), Row("two plus two?", "4"), Row("three plus three?", "6"));

        var e = Assert.Throws<DatasetException>(() => DatasetReader.Load(path, new DatasetReadOptions { Format = DatasetFormat.Plain, Strict = true }));

        Assert.StartsWith($"{path}:3: invalid UTF-8", e.Message);
    }

    [Fact]
    public void A_json_array_file_with_invalid_utf8_fails_naming_the_line()
    {
        using var files = new DataTestFiles();
        var path = WriteWithInvalidBytes(files, "bad.json", 3, "[", Row("one plus one?", "2") + ",", Row("two plus two?", "4"), "]");

        var e = Assert.Throws<DatasetException>(() => DatasetReader.Load(path, new DatasetReadOptions { Format = DatasetFormat.Plain }));

        Assert.Contains($"{path}:3: invalid UTF-8", e.Message);
    }

    [Fact]
    public void A_utf8_byte_order_mark_is_not_an_error()
    {
        using var files = new DataTestFiles();
        var path = files.PathOf("bom.jsonl");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Row("caf\u00e9 costs 3, two cost?", "6") + "\n")]);

        var result = DatasetReader.Load(path, new DatasetReadOptions { Format = DatasetFormat.Plain });

        Assert.Equal(0, result.Skipped);
        Assert.Equal("caf\u00e9 costs 3, two cost?", Assert.Single(result.Problems).Question);
    }
}
