using Cooper.Verify.Numerics;
using Cooper.Verify.Parsing;

namespace Cooper.Verify.Extraction;

/// <summary>
/// Math-Verify's number formats in plain text, read by hand instead of a regex:
/// <list type="number">
/// <item>thousands groups: 7,425,000 · 1 000 · 1,000.5 (first group 1–3 digits, no leading 0);</item>
/// <item>a decimal point or an unambiguous decimal comma: 3.25 · 1000,99 · 0,111;</item>
/// <item>a bare fraction part: .4;</item>
/// <item>integers of any length;</item>
/// </list>
/// each optionally signed and followed by %, \%, "percent", "percentage" or "pct".
/// </summary>
internal static class NumberScanner
{
    public readonly record struct Match(int Start, int End, Node Node, string Text);

    private static bool IsDigit(string s, int i) => i < s.Length && char.IsAsciiDigit(s[i]);

    /// <summary>Whether a number may start at i in running text: after the start, white space or '=',
    /// optionally followed by "**" (bold) and a currency sign (Math-Verify's prefix rule).</summary>
    public static bool HasNumberPrefix(string s, int i)
    {
        int j = i;
        if (j > 0 && IsCurrency(s[j - 1])) j--;
        if (j > 1 && s[j - 1] == '$' && s[j - 2] == '\\') j -= 2;
        if (j > 1 && s[j - 1] == '*' && s[j - 2] == '*') j -= 2;
        return j == 0 || char.IsWhiteSpace(s[j - 1]) || s[j - 1] == '=';
    }

    public static bool IsCurrency(char c) => c is '$' or '€' or '£' or '¥' or '₹' or '₽' or '₩' or '₱';

    public static bool StartsNumber(string s, int i) =>
        i < s.Length && (char.IsAsciiDigit(s[i]) || (s[i] is '-' or '.') && IsDigit(s, i + 1));

    /// <summary>Longest digit run read as a number; longer runs are not numbers an answer would state.</summary>
    public const int MaxDigits = 10_000;

    /// <summary>The end of the number starting at i, or 0 (cheap: no value is built).</summary>
    public static int TryReadEnd(string s, int i) => TryRead(s, i, out var m, buildValue: false) ? m.End : 0;

    /// <summary>Reads a number starting exactly at i.</summary>
    public static bool TryRead(string s, int i, out Match match) => TryRead(s, i, out match, buildValue: true);

    private static bool TryRead(string s, int i, out Match match, bool buildValue)
    {
        match = default;
        if (!StartsNumber(s, i)) return false;
        int k = i;
        bool neg = s[k] == '-';
        if (neg) k++;
        // Spans only; the digit string is built when a value is asked for.
        int intStart = k, intEnd, fracStart = -1, fracEnd = -1;
        bool grouped = false;
        if (s[k] == '.')
        {
            intEnd = k;
            fracStart = ++k;
            while (IsDigit(s, k)) k++;
            fracEnd = k;
        }
        else
        {
            while (IsDigit(s, k)) k++;
            intEnd = k;
            int lead = k - intStart;
            if (s[intStart] != '0' && lead <= 3)
            {
                while (k < s.Length && (s[k] == ',' || s[k] == ' ') && IsDigit(s, k + 1) && IsDigit(s, k + 2) && IsDigit(s, k + 3) && !IsDigit(s, k + 4))
                {
                    k += 4;
                    grouped = true;
                }
                intEnd = k;
            }
            if (k < s.Length && (s[k] == '.' || !grouped && s[k] == ',') && IsDigit(s, k + 1))
            {
                fracStart = ++k;
                while (IsDigit(s, k)) k++;
                fracEnd = k;
            }
        }
        if (k - i > MaxDigits) return false;
        int end = k;
        int p = k;
        while (p < s.Length && s[p] == ' ') p++;
        int pctEnd = PercentSuffix(s, p);
        if (pctEnd > 0) end = pctEnd;
        if (!buildValue)
        {
            match = new Match(i, end, null!, "");
            return true;
        }
        var digits = new System.Text.StringBuilder(k - i + 2);
        if (neg) digits.Append('-');
        if (intEnd == intStart) digits.Append('0');
        for (int q = intStart; q < intEnd; q++)
            if (char.IsAsciiDigit(s[q])) digits.Append(s[q]);
        if (fracStart >= 0) digits.Append('.').Append(s, fracStart, fracEnd - fracStart);
        var text = digits.ToString();
        if (!BigRational.TryParseDecimal(text, out var value)) return false;
        Node node = new NumberNode(value, fracStart >= 0, fracStart >= 0 ? text : null);
        if (pctEnd > 0) node = new PercentNode(node);
        match = new Match(i, end, node, s[i..end]);
        return true;
    }

    private static int PercentSuffix(string s, int p)
    {
        if (p < s.Length && s[p] == '%') return p + 1;
        if (p + 1 < s.Length && s[p] == '\\' && s[p + 1] == '%') return p + 2;
        foreach (var word in (ReadOnlySpan<string>)["percentage", "percent", "pct"])
        {
            if (p + word.Length <= s.Length && string.Compare(s, p, word, 0, word.Length, StringComparison.OrdinalIgnoreCase) == 0
                && (p + word.Length == s.Length || !char.IsLetter(s[p + word.Length])))
                return p + word.Length;
        }
        return 0;
    }
}
