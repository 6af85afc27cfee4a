using System.Buffers.Binary;
using Cooper.Modeling;
using Cooper.Tokenizers;

namespace Cooper.Tests.Modeling;

/// <summary>Broken model folders: each error is an <see cref="InvalidDataException"/> that starts with the file and says what is wrong.</summary>
public class BadCheckpointTests
{
    /// <summary>A tiny saved model with a char tokenizer; returns the folder.</summary>
    private static string SaveTinyModel(TempDir tmp)
    {
        var tokenizer = CharTokenizer.Create("abc123+= ");
        using (var lm = CausalLM.Create(TinyModels.CausalLM(vocab: tokenizer.VocabSize), seed: 1)) lm.SavePretrained(tmp.Path);
        tokenizer.Save(tmp.Path);
        return tmp.Path;
    }

    private static void Truncate(string path, long length)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Write);
        fs.SetLength(length);
    }

    private static long HeaderLength(string safetensors)
    {
        Span<byte> len = stackalloc byte[8];
        using var fs = File.OpenRead(safetensors);
        fs.ReadExactly(len);
        return BinaryPrimitives.ReadInt64LittleEndian(len);
    }

    [Fact]
    public void An_empty_safetensors_file_is_named_and_called_empty()
    {
        using var tmp = new TempDir();
        var dir = SaveTinyModel(tmp);
        var weights = Path.Combine(dir, HfCheckpoint.SingleFile);
        File.WriteAllBytes(weights, []);

        var e = Assert.Throws<InvalidDataException>(() => CausalLM.FromPretrained(dir));

        Assert.StartsWith(weights, e.Message);
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void A_safetensors_file_cut_inside_its_header_says_how_many_header_bytes_are_missing()
    {
        using var tmp = new TempDir();
        var weights = Path.Combine(SaveTinyModel(tmp), HfCheckpoint.SingleFile);
        long n = HeaderLength(weights);
        Truncate(weights, 8 + n / 2);

        var e = Assert.Throws<InvalidDataException>(() => Safetensors.ReadHeader(weights));

        Assert.StartsWith(weights, e.Message);
        Assert.Contains($"header of {n} bytes", e.Message);
        Assert.Contains($"only {n / 2} follow", e.Message);
    }

    [Fact]
    public void A_safetensors_header_that_is_not_json_is_named_as_the_header()
    {
        using var tmp = new TempDir();
        var weights = Path.Combine(SaveTinyModel(tmp), HfCheckpoint.SingleFile);
        var bytes = File.ReadAllBytes(weights);
        bytes[8] = (byte)'x';   // the header's opening brace
        File.WriteAllBytes(weights, bytes);

        var e = Assert.Throws<InvalidDataException>(() => Safetensors.ReadHeader(weights));

        Assert.StartsWith($"{weights}: the safetensors header is not valid JSON", e.Message);
    }

    [Fact]
    public void A_safetensors_file_cut_inside_its_data_names_the_first_tensor_past_the_end()
    {
        using var tmp = new TempDir();
        var weights = Path.Combine(SaveTinyModel(tmp), HfCheckpoint.SingleFile);
        var (entries, _, dataStart) = Safetensors.ReadHeader(weights);
        var last = entries.Values.MaxBy(x => x.End)!;
        Truncate(weights, dataStart + last.Begin + 1);

        var e = Assert.Throws<InvalidDataException>(() => Safetensors.ReadHeader(weights));

        Assert.StartsWith(weights, e.Message);
        Assert.Contains($"'{last.Name}'", e.Message);
        Assert.Contains("cut off", e.Message);
    }

    [Fact]
    public void A_cut_off_config_json_is_named_with_the_line_where_the_json_breaks()
    {
        using var tmp = new TempDir();
        var dir = SaveTinyModel(tmp);
        var config = Path.Combine(dir, "config.json");
        Truncate(config, new FileInfo(config).Length / 2);

        var e = Assert.Throws<InvalidDataException>(() => ModelConfig.Load(dir));

        Assert.StartsWith($"{config}: not valid JSON", e.Message);
        Assert.Contains("line", e.Message);
    }

    [Fact]
    public void An_empty_config_json_is_named_and_called_empty()
    {
        using var tmp = new TempDir();
        var dir = SaveTinyModel(tmp);
        var config = Path.Combine(dir, "config.json");
        File.WriteAllText(config, "");

        var e = Assert.Throws<InvalidDataException>(() => CausalLM.FromPretrained(dir));

        Assert.StartsWith($"{config}: the file is empty", e.Message);
    }

    [Fact]
    public void A_cut_off_char_tokenizer_json_is_named()
    {
        using var tmp = new TempDir();
        var dir = SaveTinyModel(tmp);
        var tokenizer = Path.Combine(dir, "tokenizer.json");
        Truncate(tokenizer, new FileInfo(tokenizer).Length / 2);

        var e = Assert.Throws<InvalidDataException>(() => TokenizerLoader.Load(dir));

        Assert.StartsWith($"{tokenizer}: not valid JSON", e.Message);
    }

    [Fact]
    public void A_cut_off_hugging_face_tokenizer_json_is_named()
    {
        using var tmp = new TempDir();
        var dir = SaveTinyModel(tmp);
        File.Delete(Path.Combine(dir, "tokenizer_config.json"));   // no char marker: read as a Hugging Face tokenizer
        var tokenizer = Path.Combine(dir, "tokenizer.json");
        Truncate(tokenizer, new FileInfo(tokenizer).Length / 2);

        var e = Assert.Throws<InvalidDataException>(() => TokenizerLoader.Load(dir));

        Assert.StartsWith($"{tokenizer}: not valid JSON", e.Message);
    }
}
