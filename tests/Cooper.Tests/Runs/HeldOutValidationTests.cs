using System.Text.Json;
using Cooper.Data.Embedded;
using Cooper.RL;
using Cooper.Runs;
using Cooper.Tests.Modeling;
using Cooper.Training;
using static TorchSharp.torch;

namespace Cooper.Tests.Runs;

/// <summary>
/// A run on the user's data validates on the user's data: without <c>val_data</c>, a slice of the training
/// file's questions is held out (and said), for <c>cooper train</c> and <c>cooper sft</c> alike.
/// </summary>
[Collection("NonParallel")]
public class HeldOutValidationTests
{
    /// <summary>Forty embedded training problems written as a user's dataset, ids prefixed <c>user-</c>.</summary>
    private static string UserDataset(string dir)
    {
        var path = Path.Combine(dir, "user.jsonl");
        var problems = EmbeddedTask.Generate(EmbeddedTask.DefaultSeed, 40, 0, 0).Train;
        File.WriteAllLines(path, problems.Select(p => JsonSerializer.Serialize(new
        {
            id = "user-" + p.Id, question = p.Question, answer = p.ReferenceAnswer, solution = p.Solution,
        })));
        return path;
    }

    [Fact]
    public void Train_without_val_data_validates_on_problems_held_out_of_the_training_file()
    {
        using var tmp = new TempDir();
        var messages = new List<string>();

        var inputs = TrainerSetup.Inputs(new TrainConfig { Data = UserDataset(tmp.Path) }, messages.Add);

        Assert.NotEmpty(inputs.Validation);
        Assert.All(inputs.Validation, p => Assert.StartsWith("user-", p.Id));
        Assert.Empty(inputs.Train.Select(p => p.Question).Intersect(inputs.Validation.Select(p => p.Question)));
        Assert.Equal(40, inputs.Train.Count + inputs.Validation.Count);
        Assert.Contains(messages, m => m.Contains("val_data is not set") && m.Contains("user.jsonl"));
    }

    [Fact]
    public void Sft_without_val_data_evaluates_on_problems_held_out_of_the_training_file()
    {
        using var tmp = new TempDir();
        var cfg = new SftConfig
        {
            Data = UserDataset(tmp.Path), HiddenSize = 32, Layers = 1, Heads = 2, KvHeads = 1, IntermediateSize = 64,
            MaxPositions = 400, MaxLength = 400, Steps = 1, BatchSize = 4, WarmupSteps = 0, EvalEvery = 0,
            EvalPrompts = 8, EvalSamples = 1, MaxNewTokens = 2, CheckpointEvery = 0, Out = tmp.Path,
        };
        using var trainer = new SftTrainer(cfg, RunFolder.Open(Path.Combine(tmp.Path, "run")), CPU);

        var result = trainer.Train();

        Assert.NotEmpty(result.Samples);
        Assert.All(result.Samples, s => Assert.StartsWith("user-", s.ProblemId));
    }
}
