using System.Globalization;
using System.Text.RegularExpressions;

namespace Cooper.Endpoints;

/// <summary>
/// Reads a server's "the prompt plus <c>max_tokens</c> exceed the context" error (an HTTP 400) for what
/// fixes it: the model's context length less the prompt's tokens. Wordings recognised: OpenAI, vLLM before
/// V1 and <c>cooper serve</c> ("This model's maximum context length is 640 tokens. However, you requested
/// 651 tokens (141 in the messages, 510 in the completion)."), vLLM V1 ("… maximum context length is 4096
/// tokens and your request has 1000 input tokens …") and SGLang ("… the model's maximum context length of
/// 4096 tokens. … 1000 tokens from the input messages …").
/// </summary>
internal static partial class ContextLengthError
{
    /// <summary>Completion tokens the context has left after the prompt, or null when <paramref name="body"/> says nothing of the kind.</summary>
    public static int? TokensLeft(string body)
    {
        var context = Context().Match(body);
        var prompt = PromptTokens().Match(body);
        if (!context.Success || !prompt.Success) return null;
        if (!int.TryParse(context.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int c)
            || !int.TryParse(prompt.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int p))
            return null;
        return c - p;
    }

    [GeneratedRegex(@"maximum context length (?:is|of) (?<n>\d+) tokens", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Context();

    [GeneratedRegex(@"\((?<n>\d+) in the messages|has (?<n>\d+) input tokens|(?<n>\d+) tokens from the input",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PromptTokens();
}
