using Cooper.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Tests.Modeling;

public class LogProbsTests
{
    [Fact]
    public void Chunked_log_probs_equal_a_float64_log_softmax_reference()
    {
        using var scope = torch.NewDisposeScope();
        using var gen = new torch.Generator(1);
        var logits = torch.randn([3, 7, 11], generator: gen) * 4;                // (B, T, V)
        var targets = torch.randint(0, 11, [3, 7], generator: gen);
        var reference = logits.to(ScalarType.Float64).log_softmax(-1).gather(2, targets.unsqueeze(2)).squeeze(2);
        foreach (long? chunk in new long?[] { null, 1, 4, 5 })
        {
            var ours = LogProbs.FromLogits(logits, targets, chunkRows: chunk);   // (B, T)
            Assert.Equal(ScalarType.Float32, ours.dtype);
            Assert.True((ours.to(ScalarType.Float64) - reference).abs().max().item<double>() < 1e-5, $"chunk {chunk}");
        }
        var hot = LogProbs.FromLogits(logits, targets, temperature: 0.5);
        var hotRef = (logits.to(ScalarType.Float64) / 0.5).log_softmax(-1).gather(2, targets.unsqueeze(2)).squeeze(2);
        Assert.True((hot.to(ScalarType.Float64) - hotRef).abs().max().item<double>() < 1e-5);
    }

    [Theory]
    [InlineData(1.0, 4L)]
    [InlineData(0.7, 5L)]
    [InlineData(1.0, null)]
    public void The_fused_log_probs_from_hidden_states_match_those_from_logits_including_gradients(double temperature, long? chunk)
    {
        using var scope = torch.NewDisposeScope();
        using var gen = new torch.Generator(2);
        var hidden = torch.randn([2, 9, 8], generator: gen).requires_grad_();    // (B, T, C)
        var weight = torch.randn([13, 8], generator: gen).requires_grad_();     // (V, C)
        var targets = torch.randint(0, 13, [2, 9], generator: gen);

        // A non-uniform upstream gradient, as a weighted policy loss gives.
        var upstream = torch.linspace(-1, 2, 18).reshape(2, 9);
        var direct = LogProbs.FromLogits(hidden.matmul(weight.t()), targets, temperature);
        (direct * upstream).sum().backward();
        var gh = hidden.grad!.clone();
        var gw = weight.grad!.clone();
        hidden.grad!.zero_();
        weight.grad!.zero_();

        var fused = LogProbs.FromHidden(hidden, weight, targets, temperature, chunkRows: chunk);  // 18 positions, chunked
        Assert.Equal([2L, 9L], fused.shape);
        Assert.True((fused - direct).abs().max().item<float>() < 1e-5f);
        (fused * upstream).sum().backward();
        Assert.True((hidden.grad! - gh).abs().max().item<float>() < 1e-5f);
        Assert.True((weight.grad! - gw).abs().max().item<float>() < 1e-5f);

        using (torch.no_grad())
            Assert.True((LogProbs.FromHidden(hidden, weight, targets, temperature, chunkRows: chunk) - direct).abs().max().item<float>() < 1e-5f);
    }

    [Fact]
    public void Token_log_probs_carry_gradients_to_the_tied_embedding()
    {
        using var lm = CausalLM.Create(TinyModels.CausalLM(), seed: 4);
        using var scope = torch.NewDisposeScope();
        var ids = torch.tensor(new long[] { 0, 0, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6 }).reshape(2, 6);
        var mask = torch.tensor(new long[] { 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 }).reshape(2, 6);
        var lp = lm.TokenLogProbs(ids, mask);                                    // (2, 5)
        Assert.Equal([2L, 5L], lp.shape);
        Assert.True(lp.le(0).all().item<bool>());
        lp.sum().backward();
        Assert.True(lm.Backbone.EmbedWeight.grad!.abs().sum().item<float>() > 0);
        lm.zero_grad();
    }

    [Fact]
    public void A_left_padded_row_gets_the_same_log_probs_as_unpadded()
    {
        using var lm = CausalLM.FromPretrained(ModelFixtures.TinyQwen2);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var alone = lm.TokenLogProbs(torch.tensor(new long[] { 5, 6, 7, 8 }).unsqueeze(0));                 // (1, 3)
        var padded = lm.TokenLogProbs(
            torch.tensor(new long[] { 0, 0, 5, 6, 7, 8 }).unsqueeze(0),
            torch.tensor(new long[] { 0, 0, 1, 1, 1, 1 }).unsqueeze(0));                                      // (1, 5)
        Assert.True((padded.narrow(1, 2, 3) - alone).abs().max().item<float>() < 1e-5f);
    }
}
