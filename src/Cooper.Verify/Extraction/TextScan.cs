namespace Cooper.Verify.Extraction;

/// <summary>Hand-written scanners for the delimiters answers hide in: boxes, LaTeX environments, sentences.</summary>
internal static class TextScan
{
    /// <summary>A delimited region: [Start, End) is the whole match, [ContentStart, ContentEnd) what is inside.</summary>
    public readonly record struct Region(int Start, int End, int ContentStart, int ContentEnd)
    {
        public string Content(string s) => s[ContentStart..ContentEnd];
    }

    /// <summary>Outermost \boxed{…} and \fbox{…} in order, found in one pass (linear even for hostile nesting).</summary>
    public static List<Region> Boxes(string s)
    {
        var result = new List<Region>();
        // Brace positions that open a box → the box command's start.
        var openers = new Dictionary<int, int>();
        int first = int.MaxValue;
        foreach (var (command, length) in (ReadOnlySpan<(string, int)>)[("\\boxed", 6), ("\\fbox", 5)])
        {
            for (int b = s.IndexOf(command, StringComparison.Ordinal); b >= 0; b = s.IndexOf(command, b + length, StringComparison.Ordinal))
            {
                int k = b + length;
                while (k < s.Length && s[k] == ' ') k++;
                if (k < s.Length && s[k] == '{')
                {
                    openers[k] = b;
                    first = Math.Min(first, b);
                }
            }
        }
        if (openers.Count == 0) return result;
        var stack = new Stack<int>();
        for (int i = first; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '\\' && i + 1 < s.Length && s[i + 1] is '{' or '}') { i++; continue; }
            if (c == '{') stack.Push(i);
            else if (c == '}' && stack.Count > 0)
            {
                int open = stack.Pop();
                if (openers.TryGetValue(open, out int start))
                {
                    // Boxes close inner-first: an enclosing box replaces the nested ones recorded before it.
                    while (result.Count > 0 && result[^1].Start > start) result.RemoveAt(result.Count - 1);
                    result.Add(new Region(start, i + 1, open + 1, i));
                }
            }
        }
        return result;
    }

    /// <summary>The box starting exactly at i (its closing brace searched at most <paramref name="max"/> characters on).</summary>
    public static Region? BoxAt(string s, int i, int max)
    {
        int k = i + (StartsWithIgnoreCase(s, i, "\\boxed") ? 6 : StartsWithIgnoreCase(s, i, "\\fbox") ? 5 : -i - 1);
        if (k < i) return null;
        while (k < s.Length && s[k] == ' ') k++;
        if (k >= s.Length || s[k] != '{') return null;
        int level = 0, limit = Math.Min(s.Length, k + max);
        for (int j = k; j < limit; j++)
        {
            char c = s[j];
            if (c == '\\') { j++; continue; }
            if (c == '{') level++;
            else if (c == '}' && --level == 0) return new Region(i, j + 1, k + 1, j);
        }
        return null;
    }

    /// <summary>$$…$$, $…$, \[…\], \(…\) in order; an unescaped '$' pairs with the next one.</summary>
    public static List<Region> LatexEnvironments(string s)
    {
        var result = new List<Region>();
        int i = 0;
        while (i < s.Length)
        {
            int next = NextOpener(s, i, out var kind);
            if (next < 0) break;
            string close = kind switch { 0 => "$$", 1 => "$", 2 => "\\]", _ => "\\)" };
            int contentStart = next + (kind == 1 ? 1 : 2);
            int end = FindCloser(s, contentStart, close);
            if (end < 0) { i = contentStart; continue; }
            result.Add(new Region(next, end + close.Length, contentStart, end));
            i = end + close.Length;
        }
        return result;
    }

    /// <summary>An environment opening exactly at i, if any.</summary>
    public static Region? LatexEnvironmentAt(string s, int i)
    {
        if (i >= s.Length) return null;
        int kind;
        if (s[i] == '$') kind = i + 1 < s.Length && s[i + 1] == '$' ? 0 : 1;
        else if (s[i] == '\\' && i + 1 < s.Length && s[i + 1] == '[') kind = 2;
        else if (s[i] == '\\' && i + 1 < s.Length && s[i + 1] == '(') kind = 3;
        else return null;
        string close = kind switch { 0 => "$$", 1 => "$", 2 => "\\]", _ => "\\)" };
        int contentStart = i + (kind == 1 ? 1 : 2);
        int end = FindCloser(s, contentStart, close);
        return end < 0 ? null : new Region(i, end + close.Length, contentStart, end);
    }

    private static int NextOpener(string s, int from, out int kind)
    {
        kind = -1;
        for (int i = from; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '$')
            {
                kind = i + 1 < s.Length && s[i + 1] == '$' ? 0 : 1;
                return i;
            }
            if (c == '\\' && i + 1 < s.Length)
            {
                char n = s[i + 1];
                if (n == '[') { kind = 2; return i; }
                if (n == '(') { kind = 3; return i; }
                i++;                                   // skip the escaped character (\$ is a currency sign)
            }
        }
        return -1;
    }

    private static int FindCloser(string s, int from, string close)
    {
        for (int i = from; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '\\' && close[0] != '\\') { i++; continue; }
            if (c == '\\' && i + 1 < s.Length && s[i + 1] == close[1]) return i;
            if (c == '\\') { i++; continue; }
            if (close == "$$" && c == '$' && i + 1 < s.Length && s[i + 1] == '$') return i;
            if (close == "$" && c == '$') return i;
        }
        return -1;
    }

    /// <summary>The end of the sentence starting at i: a newline, or '.', '!', '?', ';' followed by a space or the end.</summary>
    public static int SentenceEnd(string s, int i, int max)
    {
        int limit = Math.Min(s.Length, i + max);
        for (int k = i; k < limit; k++)
        {
            char c = s[k];
            if (c == '\n') return k;
            if (c is '.' or '!' or '?' or ';' && (k + 1 == s.Length || char.IsWhiteSpace(s[k + 1]) || s[k + 1] == '<')) return k;
        }
        return limit == s.Length ? limit : -1;
    }

    public static int SkipSpaces(string s, int i)
    {
        while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
        return i;
    }

    public static bool StartsWithIgnoreCase(string s, int i, string word) =>
        i + word.Length <= s.Length && string.Compare(s, i, word, 0, word.Length, StringComparison.OrdinalIgnoreCase) == 0;

    /// <summary>English letters from most to least frequent: anchors are found by their rarest character.</summary>
    private const string LetterFrequency = "etaoinshrdlcumwfgypbvkjxqz";

    /// <summary>The last <paramref name="max"/> indices of <paramref name="word"/> (ASCII case-insensitive), rightmost
    /// first. Searches (vectorised) for the word's rarest character and checks the word around it, so prose full of
    /// "a"s costs no more than a megabyte without any.</summary>
    public static List<int> FindLast(string s, string word, int max)
    {
        int pivot = 0, rank = -1;
        for (int k = 0; k < word.Length; k++)
        {
            int r = char.IsAsciiLetter(word[k]) ? LetterFrequency.IndexOf(char.ToLowerInvariant(word[k])) : char.IsWhiteSpace(word[k]) ? -1 : 100;
            if (r > rank) { rank = r; pivot = k; }
        }
        char lo = char.ToLowerInvariant(word[pivot]), up = char.ToUpperInvariant(word[pivot]);
        var list = new List<int>();
        var span = s.AsSpan();
        int end = s.Length - (word.Length - pivot) + 1;          // pivot positions lie in [pivot, end)
        while (end > pivot && list.Count < max)
        {
            int i = lo == up ? span[..end].LastIndexOf(lo) : span[..end].LastIndexOfAny(lo, up);
            if (i < pivot) break;
            int start = i - pivot;
            if (string.Compare(s, start, word, 0, word.Length, StringComparison.OrdinalIgnoreCase) == 0) list.Add(start);
            end = i;
        }
        return list;
    }

    /// <summary>
    /// Whether the text between two answers only joins them: white space, commas, "and"/"or",
    /// \quad, \text{ and }, math delimiters, and at most a few short words ("papers and").
    /// </summary>
    public static bool IsConnectorGap(string s, int start, int end, bool allowWords)
    {
        if (end - start > 80) return false;
        bool trivial = true;
        for (int k = start; k < end && trivial; k++) trivial = char.IsWhiteSpace(s[k]) && s[k] != '\n' || s[k] is ',' or ';' or '$' or '&';
        if (trivial) return true;
        var gap = s[start..end];
        if (gap.Contains("\n\n")) return false;
        for (int k = 0; k + 1 < gap.Length; k++)
            if (gap[k] == '.' && char.IsWhiteSpace(gap[k + 1])) return false;
        var cleaned = gap.Replace("\\text", " ").Replace("\\mbox", " ").Replace("\\quad", " ").Replace("\\qquad", " ")
            .Replace("\\(", " ").Replace("\\)", " ").Replace("\\[", " ").Replace("\\]", " ").Replace("\\,", " ").Replace("\\;", " ");
        bool connector = false, empty = true;
        int words = 0;
        foreach (var raw in cleaned.Split([' ', '\t', '\n', '\r', '{', '}', '$', '&', '~'], StringSplitOptions.RemoveEmptyEntries))
        {
            var w = raw.Trim(',', ';');
            if (raw.Contains(',') || raw.Contains(';')) connector = true;
            if (w.Length == 0) continue;
            if (w.Equals("and", StringComparison.OrdinalIgnoreCase) || w.Equals("or", StringComparison.OrdinalIgnoreCase)) { connector = true; continue; }
            empty = false;
            words++;
        }
        if (empty) return true;
        return allowWords && connector && words <= 6;
    }
}
