using Cooper.Tokenizers;

using Cooper.Tests.RL;
using Cooper.Tests.Modeling;
using Cooper.Tests.Data;

namespace Cooper.Tests.Tokenizers;

/// <summary>The real Qwen3 tokenizer (HF's Rust tokenizers via Tokenizers.DotNet) and the char tokenizer.</summary>
public class TokenizerTests
{
    private static readonly Lazy<HfTokenizer> s_qwen = new(() => HfTokenizer.Load(ModelFixtures.QwenTokenizer));
    private static HfTokenizer Qwen => s_qwen.Value;

    [Fact]
    public void Known_strings_get_qwen_s_known_ids()
    {
        Assert.Equal([9707, 11, 1879, 0], Qwen.Encode("Hello, world!"));
        Assert.Equal([151644, 872, 198, 6023, 151645], Qwen.Encode("<|im_start|>user\nhi<|im_end|>"));
        Assert.Equal([220, 16, 17, 18], Qwen.Encode(" 123"));   // digits are split one by one
        Assert.Empty(Qwen.Encode(""));
    }

    [Fact]
    public void Special_tokens_come_from_tokenizer_json_and_tokenizer_config()
    {
        Assert.Equal(151669, Qwen.VocabSize);
        Assert.Equal(151645, Qwen.EosTokenId);      // tokenizer_config: eos_token <|im_end|>
        Assert.Equal(151643, Qwen.PadTokenId);      // pad_token <|endoftext|>
        Assert.Null(Qwen.BosTokenId);
        Assert.Equal(151644, Qwen.SpecialTokens["<|im_start|>"]);
        Assert.Equal(151667, Qwen.TokenToId("<think>"));
        Assert.False(Qwen.SpecialTokens.ContainsKey("<think>"));   // an added token, but not special
    }

    [Theory]
    [InlineData("The answer is \\boxed{42}.")]
    [InlineData("你好，世界! ∑ x² = 1  \n\n  tabs\tend")]
    [InlineData("<think>\nstep 1\n</think>\n\nfinal")]
    public void Decoding_round_trips_text(string text)
    {
        Assert.Equal(text, Qwen.Decode(Qwen.Encode(text)));
    }

    [Fact]
    public void Special_tokens_are_kept_or_skipped_on_decode()
    {
        var ids = Qwen.Encode("<|im_start|>assistant\n4<|im_end|>");
        Assert.Equal("<|im_start|>assistant\n4<|im_end|>", Qwen.Decode(ids));
        Assert.Equal("assistant\n4", Qwen.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void ChatML_formatting_matches_qwen_s_template_and_tokenizes_to_its_markers()
    {
        var template = ChatTemplate.For(Qwen);
        Assert.Equal(ChatTemplate.ChatML, template);
        var text = template!.Format([ChatMessage.System("Be brief."), ChatMessage.User("2+2?")], addGenerationPrompt: true);
        Assert.Equal("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n", text);
        var ids = Qwen.Encode(text);
        Assert.Equal([151644, 8948, 198], ids[..3]);                 // <|im_start|> system \n
        Assert.Equal([151644, 77091, 198], ids[^3..]);               // <|im_start|> assistant \n
        Assert.Equal([151645, 151645], template.StopTokenIds(Qwen).Concat([151645]).Distinct().Concat([151645]).ToArray());
        Assert.Equal(
            "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nhello<|im_end|>\n",
            template.Format([ChatMessage.User("hi"), ChatMessage.Assistant("hello")], addGenerationPrompt: false));
    }

    [Fact]
    public void Llama_3_formatting_matches_its_template()
    {
        var text = ChatTemplate.Llama3.Format([ChatMessage.System(" sys "), ChatMessage.User("hi")], addGenerationPrompt: true);
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nsys<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\n", text);
    }

    [Fact]
    public void A_default_system_prompt_is_added_only_when_there_is_none()
    {
        var t = ChatTemplate.ChatML with { DefaultSystemPrompt = "You are helpful." };
        Assert.StartsWith("<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user", t.Format([ChatMessage.User("x")], false));
        Assert.StartsWith("<|im_start|>system\nmine", t.Format([ChatMessage.System("mine"), ChatMessage.User("x")], false));
        Assert.Throws<ArgumentException>(() => t.Format([new ChatMessage("tool", "x")], false));
    }

    [Fact]
    public void The_char_tokenizer_round_trips_and_maps_unknown_characters_to_unk()
    {
        var tok = CharTokenizer.Create("abc 123+=\n");
        Assert.Equal(0, tok.EosTokenId);
        Assert.Equal(0, tok.PadTokenId);
        var ids = tok.Encode("<|im_start|>a+b=3<|im_end|>");
        Assert.Equal(tok.SpecialTokens["<|im_start|>"], ids[0]);
        Assert.Equal(tok.SpecialTokens["<|im_end|>"], ids[^1]);
        Assert.Equal(7, ids.Length);
        Assert.Equal("<|im_start|>a+b=3<|im_end|>", tok.Decode(ids));
        Assert.Equal("a+b=3", tok.Decode(ids, skipSpecialTokens: true));
        Assert.Equal([tok.TokenToId("a")!.Value, tok.TokenToId(CharTokenizer.UnkToken)!.Value], tok.Encode("aZ"));
    }

    [Fact]
    public void A_saved_char_tokenizer_reloads_and_hf_tokenizers_reads_it_the_same_way()
    {
        using var dir = new TempDir();
        var tok = CharTokenizer.Create("abcdefghij 0123456789+-*/=?.\n{}\\é");
        tok.Save(dir.Path);

        var back = TokenizerLoader.Load(dir.Path);
        Assert.IsType<CharTokenizer>(back);
        string text = "<|im_start|>user\nwhat is 3*4? \\boxed{12}<|im_end|>\né<|endoftext|>XYZ";
        Assert.Equal(tok.Encode(text), back.Encode(text));
        Assert.Equal(tok.EosTokenId, back.EosTokenId);

        // HF's own Rust tokenizers library loads the saved tokenizer.json and agrees on ids and text.
        using var hf = HfTokenizer.Load(dir.Path);
        Assert.Equal(tok.Encode(text), hf.Encode(text));
        Assert.Equal(tok.Decode(tok.Encode(text)), hf.Decode(hf.Encode(text)));
        Assert.Equal(tok.Decode(tok.Encode(text), skipSpecialTokens: true), hf.Decode(hf.Encode(text), skipSpecialTokens: true));
        Assert.Equal(tok.VocabSize, hf.VocabSize);
        Assert.Equal(tok.EosTokenId, hf.EosTokenId);
    }

    [Fact]
    public void Encode_adds_no_bos_even_when_the_post_processor_would_as_llama_3_s_does()
    {
        using var dir = new TempDir();
        CharTokenizer.Create("ab").Save(dir.Path);
        var path = Path.Combine(dir.Path, "tokenizer.json");
        var json = (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
        // Llama 3's layout: Sequence[ByteLevel-like step, TemplateProcessing "<bos> $A"].
        json["post_processor"] = System.Text.Json.Nodes.JsonNode.Parse("""
            {"type": "Sequence", "processors": [
              {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
              {"type": "TemplateProcessing",
               "single": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
               "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
               "special_tokens": {"<|endoftext|>": {"id": "<|endoftext|>", "ids": [0], "tokens": ["<|endoftext|>"]}}}]}
            """);
        File.WriteAllText(path, json.ToJsonString());
        using var hf = HfTokenizer.Load(dir.Path);
        int a = hf.TokenToId("a")!.Value, b = hf.TokenToId("b")!.Value;
        Assert.Equal([a, b], hf.Encode("ab"));
        Assert.Equal([0, a, b], hf.Encode("<|endoftext|>ab"));   // a BOS written in the text is kept once
    }

    [Fact]
    public void The_loader_picks_the_hf_tokenizer_for_a_hub_folder()
    {
        var tok = TokenizerLoader.Load(ModelFixtures.QwenTokenizer);
        Assert.IsType<HfTokenizer>(tok);
        ((IDisposable)tok).Dispose();
    }
}
