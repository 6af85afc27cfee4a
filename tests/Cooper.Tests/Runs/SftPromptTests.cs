using Cooper.Data;
using Cooper.Data.Embedded;
using Cooper.Runs;
using Cooper.Tests.Modeling;
using Cooper.Training;
using static TorchSharp.torch;

namespace Cooper.Tests.Runs;

/// <summary><c>cooper sft</c> builds its prompts with <see cref="PolicyPrompt"/>, as <c>train</c> and <c>eval</c> do.</summary>
public class SftPromptTests
{
    private static readonly EmbeddedSplits Data = EmbeddedTask.Generate(EmbeddedTask.DefaultSeed, 8, 1, 0);

    private static SftTrainer Tiny(string dir, PromptStyle style) => new(new SftConfig
    {
        HiddenSize = 32, Layers = 1, Heads = 2, KvHeads = 1, IntermediateSize = 64, MaxPositions = 400, MaxLength = 400,
        Steps = 1, BatchSize = 2, PromptStyle = style, Out = dir,
    }, RunFolder.At(Path.Combine(dir, "run")), CPU, train: Data.Train, val: Data.Validation);

    [Fact]
    public void A_chat_style_example_is_the_chat_prompt_then_the_solution_then_the_end_of_turn()
    {
        using var tmp = new TempDir();
        using var trainer = Tiny(tmp.Path, PromptStyle.Chat);
        var problem = Data.Train[0];

        var example = trainer.Example(problem);

        Assert.Equal(new PolicyPrompt(PromptStyle.Chat, trainer.Tokenizer).Text(problem), trainer.Tokenizer.Decode(example.PromptIds));
        Assert.StartsWith("<|im_start|>system\n" + ChatPrompt.Instruction, trainer.Tokenizer.Decode(example.PromptIds));
        Assert.Equal(problem.Solution, trainer.Tokenizer.Decode(example.CompletionIds[..^1]));
        Assert.Equal(trainer.Tokenizer.TokenToId("<|im_end|>"), example.CompletionIds[^1]);
    }

    [Fact]
    public void A_plain_style_example_is_q_and_a_then_the_solution_then_eos()
    {
        using var tmp = new TempDir();
        using var trainer = Tiny(tmp.Path, PromptStyle.Plain);
        var problem = Data.Train[0];

        var example = trainer.Example(problem);

        Assert.Equal(ChatPrompt.ForCharModel(problem.Question), trainer.Tokenizer.Decode(example.PromptIds));
        Assert.Equal(trainer.Tokenizer.EosTokenId, example.CompletionIds[^1]);
    }
}
