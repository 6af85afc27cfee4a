using Cooper.Configuration;
using Cooper.Modeling;
using Cooper.RL;
using TorchSharp;
using static TorchSharp.torch;

namespace Cooper.Tests.Modeling;

/// <summary>bf16 mixed precision (<see cref="Autocast"/>): close to float32, float32 weights and gradients, scoped.</summary>
public class AutocastTests
{
    [Fact]
    public void Bf16_log_probs_are_float32_and_within_bf16_rounding_of_transformers()
    {
        // transformers' float32 per-token log-probs are the independent reference. bf16 keeps 8 significant bits
        // (relative rounding 2^-9 ≈ 0.002 per operand), so the matmuls' outputs move by ~1e-3 relative: the
        // log-probs (magnitude ≈ log 512 ≈ 6) may move by a few 1e-3 and must not move by 0.1. Float32 agrees to
        // 1e-4 (HfParityTests), so a difference above that shows the bf16 path really ran.
        var reference = ModelFixtures.Reference(ModelFixtures.TinyQwen2);
        using var lm = CausalLM.FromPretrained(ModelFixtures.TinyQwen2);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var input = ModelFixtures.InputIds(reference);
        Tensor ours;
        using (Autocast.Enable(ScalarType.BFloat16)) ours = lm.TokenLogProbs(input);   // (3, 16)
        Assert.Equal(ScalarType.Float32, ours.dtype);
        var theirs = reference["token_logprobs"]!.AsArray();
        double maxErr = 0;
        for (int b = 0; b < theirs.Count; b++)
        {
            var row = ours[b].data<float>().ToArray();
            var exp = theirs[b]!.AsArray().Select(x => x!.GetValue<double>()).ToArray();
            for (int t = 0; t < row.Length; t++) maxErr = Math.Max(maxErr, Math.Abs(row[t] - exp[t]));
        }
        Assert.True(maxErr is > 1e-4 and < 0.1, $"max |Δlogprob| = {maxErr}");
    }

    [Fact]
    public void Bf16_backward_gives_float32_gradients_close_to_float32_ones()
    {
        var reference = ModelFixtures.Reference(ModelFixtures.TinyQwen2);
        using var scope = torch.NewDisposeScope();
        var input = ModelFixtures.InputIds(reference);
        List<Tensor> Grads(ScalarType? autocast)
        {
            using var lm = CausalLM.FromPretrained(ModelFixtures.TinyQwen2);
            using (Autocast.Enable(autocast))
            {
                var loss = -lm.TokenLogProbs(input).mean();
                loss.backward();
            }
            var grads = lm.parameters().Select(p => p.grad!.detach().clone().MoveToOuterDisposeScope()).ToList();
            Assert.All(lm.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
            return grads;
        }
        var full = Grads(null);
        var mixed = Grads(ScalarType.BFloat16);
        Assert.Equal(full.Count, mixed.Count);
        var a = torch.cat(full.Select(g => g.flatten()).ToList());
        var b = torch.cat(mixed.Select(g => g.flatten()).ToList());
        Assert.Equal(ScalarType.Float32, b.dtype);
        double cosine = (a.dot(b) / (a.norm() * b.norm())).item<float>();
        double relErr = ((a - b).norm() / a.norm()).item<float>();
        Assert.True(cosine > 0.999, $"cosine(grad fp32, grad bf16) = {cosine}");
        Assert.True(relErr is > 0 and < 0.05, $"‖Δgrad‖/‖grad‖ = {relErr}");
    }

    [Fact]
    public async Task The_setting_is_scoped_flows_into_awaits_and_restores()
    {
        Assert.Null(Autocast.Dtype);
        ScalarType? seenByThreadStartedBefore = ScalarType.Float16;
        using var go = new ManualResetEventSlim();
        var before = new Thread(() => { go.Wait(); seenByThreadStartedBefore = Autocast.Dtype; });
        before.Start();
        using (Autocast.Enable(ScalarType.BFloat16))
        {
            Assert.Equal(ScalarType.BFloat16, Autocast.Dtype);
            go.Set();
            before.Join();
            Assert.Null(seenByThreadStartedBefore);   // another run's thread keeps its own setting
            Assert.Equal(ScalarType.BFloat16, await Task.Run(() => Autocast.Dtype));
            using (Autocast.Enable(null)) Assert.Null(Autocast.Dtype);
            Assert.Equal(ScalarType.BFloat16, Autocast.Dtype);
        }
        Assert.Null(Autocast.Dtype);
        Assert.Throws<ArgumentException>(() => Autocast.Enable(ScalarType.Float32));
    }

    [Theory]
    [InlineData("none", null)]
    [InlineData("bfloat16", ScalarType.BFloat16)]
    [InlineData("bf16", ScalarType.BFloat16)]
    [InlineData("float16", ScalarType.Float16)]
    public void Config_names_parse(string name, ScalarType? expected) => Assert.Equal(expected, Autocast.Parse(name));

    [Fact]
    public void A_bad_autocast_in_a_train_config_is_refused_by_name()
    {
        var e = Assert.Throws<ConfigException>(() => new TrainConfig { Autocast = "int8" }.Validate());
        Assert.Contains("autocast", e.Message);
        Assert.Contains("int8", e.Message);
    }
}
