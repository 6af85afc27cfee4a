using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cooper.Data;
using Cooper.Data.Embedded;
using Cooper.Generation;
using Cooper.Modeling;
using Cooper.RL;
using Cooper.Rewards;
using Cooper.Rollouts;
using Cooper.Runs;
using Cooper.Serving;
using Cooper.Tests.RL;
using Cooper.Tokenizers;
using static TorchSharp.torch;

namespace Cooper.Tests.Rollouts;

/// <summary>
/// The endpoint rollout backend against <c>cooper serve</c> instances on loopback, serving the shipped policy: the
/// same samples as in process, weights that follow the trainer, and a server lost mid-run.
/// </summary>
[Collection("NonParallel")]
public class EndpointRolloutsTests
{
    private static readonly EmbeddedSplits Data = EmbeddedTask.Generate(EmbeddedTask.DefaultSeed, 64, 8, 8);

    private static Task<ModelServer> Serve(int port = 0) =>
        ModelServer.StartAsync(new ServeOptions { ModelDir = ShippedModels.Policy, Port = port, MaxN = 16 });

    private static async Task<JsonObject> ModelInfo(ModelServer s)
    {
        using var http = new HttpClient();
        return (await http.GetFromJsonAsync<JsonObject>(s.Url + "/get_model_info"))!;
    }

    private static List<int[]> Prompts(ITokenizer tok, int count)
    {
        var prompt = new PolicyPrompt(PromptStyle.Plain, tok);
        return Data.Train.Take(count).Select(p => tok.Encode(prompt.Text(p))).ToList();
    }

    private static SamplingParams Sampling(ITokenizer tok, long seed) => new()
    {
        Temperature = 1.0, MaxNewTokens = 60, N = 4, Seed = seed, StopTokenIds = new PolicyPrompt(PromptStyle.Plain, tok).StopTokenIds,
    };

    [Fact]
    public async Task One_server_samples_exactly_what_the_trainer_would_sample_in_process()
    {
        var dir = Directory.CreateTempSubdirectory("cooper-endpoint-").FullName;
        await using var server = await Serve();
        try
        {
            var tok = TokenizerLoader.Load(ShippedModels.Policy);
            using var policy = CausalLM.FromPretrained(ShippedModels.Policy);
            var prompts = Prompts(tok, 3);
            var cfg = new RolloutConfig { Backend = RolloutBackend.Endpoint, Urls = [server.Url], SyncDir = Path.Combine(dir, "sync") };
            using var endpoint = new EndpointRollouts(cfg, policy, tok, dir, prompts[0]);
            var sync = await endpoint.SyncAsync(0);
            Assert.Equal(1, sync["rollout/servers_live"]);
            Assert.InRange(sync["rollout/probe_logprob_diff"], 0, 1e-4);

            var served = await endpoint.GenerateAsync(prompts, Sampling(tok, 42));
            var local = await new LocalRollouts(policy, tok).GenerateAsync(prompts, Sampling(tok, 42));
            Assert.Equal(12, served.Count);
            Assert.Equal(local.Select(s => (s.PromptIndex, s.SampleIndex)), served.Select(s => (s.PromptIndex, s.SampleIndex)));
            for (int i = 0; i < local.Count; i++)
            {
                Assert.Equal(local[i].TokenIds, served[i].TokenIds);
                Assert.Equal(local[i].Text, served[i].Text);
                Assert.Equal(local[i].FinishReason, served[i].FinishReason);
                for (int k = 0; k < local[i].LogProbs.Length; k++) Assert.Equal(local[i].LogProbs[k], served[i].LogProbs[k], 5);
            }
            Assert.True(served.Select(s => string.Join(',', s.TokenIds)).Distinct().Count() > 3, "the samples should differ (T 1)");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task A_dead_server_loses_its_requests_to_the_other_and_rejoins_after_a_restart()
    {
        var dir = Directory.CreateTempSubdirectory("cooper-endpoint-").FullName;
        await using var a = await Serve();
        var b = await Serve();
        int portB = new Uri(b.Url).Port;
        ModelServer? b2 = null;
        try
        {
            var tok = TokenizerLoader.Load(ShippedModels.Policy);
            using var policy = CausalLM.FromPretrained(ShippedModels.Policy);
            var prompts = Prompts(tok, 4);
            var log = new List<string>();
            var cfg = new RolloutConfig { Backend = RolloutBackend.Endpoint, Urls = [a.Url, b.Url], TimeoutSeconds = 60 };
            using var endpoint = new EndpointRollouts(cfg, policy, tok, dir, prompts[0], log.Add);
            Assert.Equal(2, (await endpoint.SyncAsync(0))["rollout/servers_live"]);

            await b.StopAsync();
            var samples = await endpoint.GenerateAsync(prompts, Sampling(tok, 7));
            Assert.Equal(16, samples.Count);
            Assert.Equal(Enumerable.Range(0, 4).SelectMany(p => Enumerable.Repeat(p, 4)), samples.Select(s => s.PromptIndex));
            Assert.Equal(1, endpoint.LiveServers);
            Assert.Contains(log, l => l.Contains(b.Url) && l.Contains("go to the others"));
            var m = await endpoint.SyncAsync(1);
            Assert.Equal(1, m["rollout/failovers"]);
            Assert.Equal(1, m["rollout/servers_live"]);

            // Restarted on its port, the server is asked to load the current weights before the next rollouts.
            b2 = await Serve(portB);
            await endpoint.GenerateAsync(prompts, Sampling(tok, 8));
            Assert.Equal(2, endpoint.LiveServers);
            Assert.Equal(1, (await ModelInfo(b2))["weights_version"]!.GetValue<int>());
        }
        finally
        {
            await b.DisposeAsync();
            if (b2 is not null) await b2.DisposeAsync();
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task A_run_on_two_servers_keeps_them_on_the_policy_and_finishes_when_one_dies()
    {
        var dir = Directory.CreateTempSubdirectory("cooper-endpoint-run-").FullName;
        await using var a = await Serve();
        var b = await Serve();
        try
        {
            var cfg = new TrainConfig
            {
                Policy = ShippedModels.Policy, Reward = RewardMode.Rule, Steps = 3, Seed = 5, ValEvery = 0, CheckpointEvery = 0, Out = dir,
                Grpo = new GrpoConfig { PromptsPerStep = 2, RolloutsPerPrompt = 4, MaxNewTokens = 120, LearningRate = 1e-4, WarmupSteps = 0, MicroBatchSize = 8 },
                Rollout = new RolloutConfig { Backend = RolloutBackend.Endpoint, Urls = [a.Url, b.Url] },
            };
            using var trainer = new GrpoTrainer(cfg, new TrainerInputs { Train = Data.Train, Validation = Data.Validation }, RunFolder.Open(Path.Combine(dir, "run")), CPU);
            trainer.ShowProgress = false;
            trainer.OnStep = (step, _) => { if (step == 1) b.StopAsync().GetAwaiter().GetResult(); };
            await trainer.TrainAsync();

            var rows = MetricsWriter.Read(trainer.Run.MetricsFile);
            Assert.Equal([1, 2, 3], rows.Select(r => (int)r["step"]));
            // every sync reached the live servers, and what they serve is the trainer's policy
            Assert.All(rows, r => Assert.InRange(r["rollout/probe_logprob_diff"], 0, 1e-4));
            Assert.All(rows, r => Assert.InRange(r["rollout/logprob_gap"], 0, 1e-3));
            Assert.Equal([2.0, 1.0, 1.0], rows.Select(r => r["rollout/servers_live"]));
            Assert.Equal(1, rows[1]["rollout/failovers"]);
            Assert.Equal(4, (await ModelInfo(a))["weights_version"]!.GetValue<int>());   // reloads: the start's weights, then one per step
            // the served model is the trained one: its greedy log-probs match the trainer's final policy
            var tok = TokenizerLoader.Load(ShippedModels.Policy);
            var served = await new CompletionServer(a.Url, TimeSpan.FromSeconds(60)).CompleteAsync(Prompts(tok, 1), new SamplingParams { Temperature = 0, MaxNewTokens = 8 }, "");
            var trainerLp = EndpointRollouts.TrainerLogProbs(trainer.Policy, Prompts(tok, 1)[0], served[0].TokenIds);
            for (int k = 0; k < trainerLp.Length; k++) Assert.Equal(trainerLp[k], served[0].LogProbs[k], 4);
        }
        finally
        {
            await b.DisposeAsync();
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task A_run_whose_last_server_dies_stops_before_the_step_and_resumes_on_another()
    {
        var dir = Directory.CreateTempSubdirectory("cooper-endpoint-resume-").FullName;
        var a = await Serve();
        ModelServer? b = null;
        try
        {
            TrainConfig Config(string url) => new()
            {
                Policy = ShippedModels.Policy, Reward = RewardMode.Rule, Steps = 3, Seed = 5, ValEvery = 0, CheckpointEvery = 1, Out = dir,
                Grpo = new GrpoConfig { PromptsPerStep = 2, RolloutsPerPrompt = 4, MaxNewTokens = 120, LearningRate = 1e-4, WarmupSteps = 0, MicroBatchSize = 8 },
                Rollout = new RolloutConfig { Backend = RolloutBackend.Endpoint, Urls = [url] },
            };
            var inputs = new TrainerInputs { Train = Data.Train, Validation = Data.Validation };
            var run = Path.Combine(dir, "run");
            using (var trainer = new GrpoTrainer(Config(a.Url), inputs, RunFolder.Open(run), CPU) { ShowProgress = false })
            {
                trainer.OnStep = (step, _) => { if (step == 1) a.StopAsync().GetAwaiter().GetResult(); };
                var e = await Assert.ThrowsAsync<InvalidOperationException>(() => trainer.TrainAsync());
                Assert.Contains("no rollout server holds the current weights", e.Message);
                Assert.Equal(1, trainer.Step);   // step 2 was not applied
            }
            Assert.Equal([1], MetricsWriter.Read(Path.Combine(run, "metrics.jsonl")).Select(r => (int)r["step"]));

            // Another server (rollout.urls may change on resume) gets the checkpoint's weights and the run goes on.
            b = await Serve();
            using (var resumed = new GrpoTrainer(Config(b.Url), inputs, RunFolder.Open(run), CPU, resume: true) { ShowProgress = false })
            {
                Assert.Equal(1, resumed.Step);
                await resumed.TrainAsync();
            }
            var rows = MetricsWriter.Read(Path.Combine(run, "metrics.jsonl"));
            Assert.Equal([1, 2, 3], rows.Select(r => (int)r["step"]));
            Assert.All(rows, r => Assert.InRange(r["rollout/probe_logprob_diff"], 0, 1e-4));
        }
        finally
        {
            await a.DisposeAsync();
            if (b is not null) await b.DisposeAsync();
            Directory.Delete(dir, true);
        }
    }
}
