namespace Cooper.Data;

/// <summary>Finds <c>\boxed{...}</c> answers with balanced braces (<c>\boxed{\frac{3}{4}}</c> → <c>\frac{3}{4}</c>).</summary>
public static class BoxedAnswer
{
    /// <summary>The content of the last <c>\boxed{...}</c> (or <c>\fbox{...}</c>) in <paramref name="text"/>; null when there is none or its braces never close.</summary>
    public static string? Last(string text)
    {
        int best = -1, bestLength = 0;
        foreach (var command in (ReadOnlySpan<string>)["\\boxed", "\\fbox"])
        {
            int at = text.LastIndexOf(command, StringComparison.Ordinal);
            if (at > best) { best = at; bestLength = command.Length; }
        }
        if (best < 0) return null;
        int i = best + bestLength;
        while (i < text.Length && text[i] == ' ') i++;
        if (i >= text.Length || text[i] != '{') return null;
        int depth = 0;
        for (int j = i; j < text.Length; j++)
        {
            if (text[j] == '\\' && j + 1 < text.Length) { j++; continue; } // \{ and \} are literal braces
            if (text[j] == '{') depth++;
            else if (text[j] == '}' && --depth == 0) return text[(i + 1)..j].Trim();
        }
        return null;
    }
}
