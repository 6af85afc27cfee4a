using Cooper.Serving;
using Cooper.Tokenizers;

namespace Cooper.Tests.Serving;

/// <summary>Prompt formats and request parsing, without a model.</summary>
public class ServingPromptTests
{
    private static readonly ChatMessage[] s_conversation =
    [
        ChatMessage.System("sys"),
        ChatMessage.User("first"),
        ChatMessage.Assistant("reply"),
        ChatMessage.User("second"),
    ];

    [Fact]
    public void Auto_picks_plain_for_a_char_tokenizer_even_with_ChatML_markers()
    {
        var tok = CharTokenizer.Create("abc");
        Assert.NotNull(tok.TokenToId("<|im_start|>"));
        Assert.Equal(PromptFormat.Plain, ServingPrompt.Resolve(PromptFormat.Auto, tok));
        Assert.Equal(PromptFormat.ChatML, ServingPrompt.Resolve(PromptFormat.ChatML, tok));
    }

    [Fact]
    public void A_chat_format_the_tokenizer_cannot_spell_is_refused()
    {
        var tok = CharTokenizer.Create("abc", specialTokens: ["<|endoftext|>"]);
        var e = Assert.Throws<ArgumentException>(() => ServingPrompt.Resolve(PromptFormat.Llama3, tok));
        Assert.Contains("<|eot_id|>", e.Message);
    }

    [Fact]
    public void Plain_uses_the_last_user_message_only()
    {
        Assert.Equal("Q: second\nA: ", ServingPrompt.Render(PromptFormat.Plain, s_conversation));
    }

    [Fact]
    public void ChatML_renders_every_turn_and_ends_at_the_assistant_header_with_im_end_as_stop()
    {
        var text = ServingPrompt.Render(PromptFormat.ChatML, s_conversation);
        Assert.Equal(
            "<|im_start|>system\nsys<|im_end|>\n<|im_start|>user\nfirst<|im_end|>\n<|im_start|>assistant\nreply<|im_end|>\n" +
            "<|im_start|>user\nsecond<|im_end|>\n<|im_start|>assistant\n", text);
        var tok = CharTokenizer.Create("abc");
        Assert.Contains(tok.TokenToId("<|im_end|>")!.Value, ServingPrompt.StopTokenIds(PromptFormat.ChatML, tok));
        Assert.Empty(ServingPrompt.StopTokenIds(PromptFormat.Plain, tok));
    }

    [Fact]
    public void A_request_reads_OpenAI_and_vLLM_fields()
    {
        var r = ChatCompletionRequest.Parse("""
            {"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}],
             "temperature": 0, "top_p": 0.5, "top_k": -1, "max_completion_tokens": 7, "n": 3, "stop": ["x", "y"],
             "seed": 12345678901, "ignore_eos": true, "frequency_penalty": 0.1, "stream": false}
            """);
        Assert.Equal("m", r.Model);
        Assert.Equal("ab", Assert.Single(r.Messages).Content);
        Assert.Equal((0.0, 0.5, (int?)null, 7, 3), (r.Temperature, r.TopP, r.TopK, r.MaxTokens, r.N));
        Assert.Equal(["x", "y"], r.Stop);
        Assert.Equal(12345678901L, r.Seed);
        Assert.True(r.IgnoreEos);
        Assert.Equal(["z"], ChatCompletionRequest.Parse("""{"messages": [{"role": "user", "content": "q"}], "stop": "z"}""").Stop);
    }

    [Theory]
    [InlineData("""{"messages": []}""", "messages")]
    [InlineData("""{"messages": [{"role": "user"}], "top_p": 0}""", "top_p")]
    [InlineData("""{"messages": [{"role": "user"}], "max_tokens": 0}""", "max_tokens")]
    [InlineData("""{"messages": [{"role": "user"}], "n": 1.5}""", "n")]
    [InlineData("""{"messages": [{"role": "user"}], "stop": [""]}""", "stop")]
    [InlineData("""{"messages": [{"role": "user"}], "stop": 3}""", "stop")]
    [InlineData("""{"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}""", "messages[0].content")]
    public void A_malformed_field_is_a_400_naming_it(string json, string param)
    {
        var e = Assert.Throws<OpenAiError>(() => ChatCompletionRequest.Parse(json));
        Assert.Equal(400, e.Status);
        Assert.Equal(param, e.Param);
    }
}
