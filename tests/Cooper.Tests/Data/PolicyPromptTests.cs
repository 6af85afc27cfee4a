using Cooper.Data;
using Cooper.Evaluation;
using Cooper.Generation;
using Cooper.Modeling;
using Cooper.Tests.Modeling;
using Cooper.Tokenizers;
using static TorchSharp.torch;

namespace Cooper.Tests.Data;

public class PolicyPromptTests
{
    private static readonly MathProblem s_problem = new() { Id = "p1", Question = "What is 2+3?", ReferenceAnswer = "5" };

    [Fact]
    public void A_plain_prompt_is_q_and_a_and_adds_no_stop_ids()
    {
        var prompt = new PolicyPrompt(PromptStyle.Plain, CharTokenizer.Create("abc"));
        Assert.Equal("Q: What is 2+3?\nA: ", prompt.Text(s_problem));
        Assert.Empty(prompt.StopTokenIds);
    }

    [Fact]
    public void A_chat_prompt_uses_the_template_and_stops_at_the_end_of_turn()
    {
        var tok = TokenizerLoader.Load(ModelFixtures.QwenTokenizer);
        var prompt = new PolicyPrompt(PromptStyle.Chat, tok);
        Assert.Equal("<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n" +
                     "<|im_start|>user\nWhat is 2+3?<|im_end|>\n<|im_start|>assistant\n", prompt.Text(s_problem));
        Assert.Contains(tok.TokenToId("<|im_end|>")!.Value, prompt.StopTokenIds);
    }

    /// <summary>
    /// A stand-in chat model that always says <c>&lt;|im_end|&gt;</c>: one layer whose blocks add nothing
    /// (o_proj and down_proj zero), constant embeddings, and an untied head whose only non-zero row is
    /// the end-of-turn token's, so every next-token distribution puts ≈ all mass on it.
    /// </summary>
    private static CausalLM EndOfTurnModel(ITokenizer tok, int endOfTurn)
    {
        var cfg = TinyModels.CausalLM(vocab: tok.VocabSize, tied: false) with { HiddenSize = 8, IntermediateSize = 8, NumHiddenLayers = 1, NumAttentionHeads = 2, NumKeyValueHeads = 1 };
        var model = CausalLM.Create(cfg, seed: 1);
        using (no_grad())
        {
            foreach (var (name, p) in model.named_parameters())
            {
                if (name == "model.embed_tokens.weight") p.fill_(1.0f);
                else if (name.EndsWith("o_proj.weight", StringComparison.Ordinal) || name.EndsWith("down_proj.weight", StringComparison.Ordinal)) p.zero_();
                else if (name == "lm_head.weight") { p.zero_(); p[endOfTurn].fill_(10.0f); }
            }
        }
        return model;
    }

    /// <summary>
    /// The Qwen tokenizer as a base model ships it: EOS is <c>&lt;|endoftext|&gt;</c> (Qwen2.5 base/Math), not the
    /// chat template's end of turn, so only the template's stop ids end a chat turn.
    /// </summary>
    private static ITokenizer BaseModelQwenTokenizer()
    {
        var dir = Path.Combine(Path.GetTempPath(), "cooper-tests-qwen-base-eos-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(ModelFixtures.QwenTokenizer, "tokenizer.json"), Path.Combine(dir, "tokenizer.json"));
        var cfg = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(ModelFixtures.QwenTokenizer, "tokenizer_config.json")))!;
        cfg["eos_token"] = "<|endoftext|>";
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), cfg.ToJsonString());
        try { return TokenizerLoader.Load(dir); }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void A_chat_rollout_stops_at_the_end_of_turn_token()
    {
        var tok = BaseModelQwenTokenizer();
        int endOfTurn = tok.TokenToId("<|im_end|>")!.Value;
        Assert.NotEqual(tok.EosTokenId, endOfTurn);   // otherwise EOS alone would stop it and the test would prove nothing
        using var model = EndOfTurnModel(tok, endOfTurn);
        var engine = new RolloutEngine(model, tok);
        var chat = new PolicyPrompt(PromptStyle.Chat, tok);

        var r = PolicyEvaluator.Evaluate(engine, [s_problem], chat, samples: 2, temperature: 1.0, topP: 1.0, maxNewTokens: 12, seed: 3);
        Assert.All(r.Samples, s => Assert.Equal("stop", s.FinishReason));

        // Without the template's stop ids the same model runs on to the token cap.
        var raw = engine.Generate([chat.Text(s_problem)], new SamplingParams { MaxNewTokens = 12, Seed = 3 });
        Assert.Equal(FinishReason.Length, raw[0].FinishReason);
        Assert.Equal(12, raw[0].TokenIds.Length);
    }
}
