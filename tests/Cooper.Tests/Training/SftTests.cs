using Cooper.Training;
using TorchSharp;
using static TorchSharp.torch;

using Cooper.Tests.RL;
using Cooper.Tests.Modeling;
using Cooper.Tests.Data;

namespace Cooper.Tests.Training;

public class SftTests
{
    private static SftBatch HandBatch() => Sft.Collate(
        [new SftExample([5, 6], [7, 8, 9]), new SftExample([5], [7])], padId: 0, maxLength: 16);

    [Fact]
    public void Collate_right_pads_and_masks_everything_but_completion_targets()
    {
        using var b = HandBatch();
        Assert.Equal(new long[] { 5, 6, 7, 8, 9, 5, 7, 0, 0, 0 }, b.InputIds.data<long>().ToArray());
        Assert.Equal(new long[] { 1, 1, 1, 1, 1, 1, 1, 0, 0, 0 }, b.AttentionMask.data<long>().ToArray());
        Assert.Equal(new long[] { 6, 7, 8, 9, 7, 0, 0, 0 }, b.Targets.data<long>().ToArray());
        // targets: 6 is prompt (masked), 7 8 9 completion; second row: 7 completion, then padding
        Assert.Equal(new float[] { 0, 1, 1, 1, 1, 0, 0, 0 }, b.LossMask.data<float>().ToArray());
        Assert.Equal(4, b.CompletionTokens);
    }

    [Fact]
    public void Collate_cuts_the_completion_at_max_length()
    {
        using var b = Sft.Collate([new SftExample([1, 2], [3, 4, 5, 6])], padId: 0, maxLength: 4);
        Assert.Equal(new long[] { 1, 2, 3, 4 }, b.InputIds.data<long>().ToArray());
        Assert.Equal(new float[] { 0, 1, 1 }, b.LossMask.data<float>().ToArray());
    }

    [Fact]
    public void Loss_counts_only_assistant_tokens()
    {
        using var b = HandBatch();
        // Logits over V = 10 that put log-probability log(0.5) on the right token only at completion
        // targets, and something else at prompt/pad targets: the loss must be −log 0.5 exactly.
        var logits = zeros(2, 5, 10);
        var targets = b.Targets.data<long>().ToArray();
        var mask = b.LossMask.data<float>().ToArray();
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 4; j++)
            {
                long y = targets[i * 4 + j];
                // p(y) = e^a / (e^a + 9) = 0.5 ⇔ a = ln 9; masked positions get a large value instead
                logits[i, j, y] = tensor(mask[i * 4 + j] == 1 ? (float)Math.Log(9) : 20f);
            }
        using var loss = Sft.Loss(logits, b);
        Assert.Equal(Math.Log(2), loss.item<float>(), 5);
    }
}
