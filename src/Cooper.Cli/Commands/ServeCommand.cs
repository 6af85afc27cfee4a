using System.CommandLine;
using Cooper.Serving;

namespace Cooper.Cli.Commands;

/// <summary><c>cooper serve</c>: OpenAI-compatible chat and completions endpoints on 127.0.0.1 over one local model, until Ctrl+C.</summary>
public static class ServeCommand
{
    public static Command Create(GlobalOptions g)
    {
        var model = new Option<string>("--model") { Description = "HF model folder (config.json, *.safetensors, tokenizer.json)", Required = true };
        var port = new Option<int>("--port") { Description = "port on 127.0.0.1 (0 picks a free one)", DefaultValueFactory = _ => 8000 };
        var name = new Option<string?>("--name") { Description = "model name clients send (default: the folder's name)" };
        var format = new Option<PromptFormat>("--prompt-format")
        {
            Description = "auto (char models: plain, others: the tokenizer's chat format), chatml, llama3 or plain (Q: …\\nA: )",
            DefaultValueFactory = _ => PromptFormat.Auto,
        };
        var maxTokens = new Option<int>("--default-max-tokens") { Description = "max_tokens when a request sets none", DefaultValueFactory = _ => new ServeOptions().DefaultMaxTokens };
        var maxRows = new Option<int>("--max-batch-rows")
        {
            Description = "largest batch one request may decode, prompts × n (larger ones get 400)",
            DefaultValueFactory = _ => new ServeOptions().MaxBatchRows,
        };
        var maxBody = new Option<long>("--max-body-bytes")
        {
            Description = "largest request body; larger ones get 413 (default 4 MiB)",
            DefaultValueFactory = _ => new ServeOptions().MaxRequestBodyBytes,
        };

        var cmd = new Command("serve", "Serve a model at /v1/chat/completions, /v1/completions and /v1/models (OpenAI/vLLM-compatible), with SGLang's /update_weights_from_disk (loopback only)");
        cmd.Options.Add(model);
        cmd.Options.Add(port);
        cmd.Options.Add(name);
        cmd.Options.Add(format);
        cmd.Options.Add(maxTokens);
        cmd.Options.Add(maxRows);
        cmd.Options.Add(maxBody);
        cmd.SetAction((pr, ct) => g.RunAsync(pr, async () =>
        {
            var device = g.InitTorch(pr);
            var options = new ServeOptions
            {
                ModelDir = pr.GetValue(model)!,
                Port = pr.GetValue(port),
                Name = pr.GetValue(name),
                PromptFormat = pr.GetValue(format),
                DefaultMaxTokens = pr.GetValue(maxTokens),
                MaxBatchRows = pr.GetValue(maxRows),
                MaxRequestBodyBytes = pr.GetValue(maxBody),
                Device = device,
                Log = Console.WriteLine,
            };
            // Ctrl+C (or SIGTERM) cancels ct (CliApp.RunAsync): no new requests, the running generation
            // finishes, the weights are freed; after ProcessTerminationTimeout the process exits anyway.
            await using var server = await ModelServer.StartAsync(options, ct);
            Console.WriteLine($"serving '{server.ModelName}' at {server.Url}/v1 (prompt format {server.PromptFormat}, context {server.ContextLength}, {device.type})");
            Console.WriteLine("Ctrl+C to stop");
            try { await Task.Delay(Timeout.Infinite, ct); }
            catch (OperationCanceledException) { }
            Console.WriteLine("stopping");
            return 0;
        }, ct));
        return cmd;
    }
}
