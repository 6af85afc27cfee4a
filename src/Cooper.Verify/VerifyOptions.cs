namespace Cooper.Verify;

/// <summary>
/// Options of one verification. Defaults equal Math-Verify 0.8's <c>verify()</c> defaults
/// (float_rounding=6, numeric_precision=15, strict=True, allow_set_relation_comp=False) and its
/// <c>parse()</c> default targets (LaTeX and plain expressions); the time budget replaces its
/// 5-second signal-based timeout.
/// </summary>
public sealed record VerifyOptions
{
    /// <summary>The defaults, shared.</summary>
    public static VerifyOptions Default { get; } = new();

    /// <summary>
    /// Decimal places kept when either side is a decimal literal ("0.333333" vs 1/3): both are rounded
    /// to this many places and compared (Math-Verify's float_rounding). Magnitudes below 10^-FloatRounding
    /// are compared to this many significant digits instead, which Math-Verify does not do (it calls
    /// 1/2^99 and 1/2^98 equal).
    /// </summary>
    public int FloatRounding { get; init; } = 6;

    /// <summary>
    /// Significant digits that must agree when two exact but irrational values (√8 vs 2√2) are compared
    /// numerically (Math-Verify's numeric_precision). Values are doubles, so at most 11 digits are required
    /// whatever is asked; larger settings behave as 11.
    /// </summary>
    public int NumericPrecision { get; init; } = 15;

    /// <summary>When true, variable names must match (f(x) ≠ f(y)); when false, the prediction's variables are
    /// renamed to the gold's (in sorted order) when both have the same number of them.</summary>
    public bool Strict { get; init; } = true;

    /// <summary>When true, a predicted relation may match a gold set ("−2 ≤ x ≤ 7" vs gold "[−2, 7]"). A gold
    /// relation always matches a predicted set (Math-Verify's asymmetry).</summary>
    public bool AllowSetRelationComp { get; init; }

    /// <summary>What is extracted from the gold text.</summary>
    public ExtractionTargets GoldTargets { get; init; } = ExtractionTargets.LatexAndExpr;

    /// <summary>What is extracted from the prediction.</summary>
    public ExtractionTargets PredictionTargets { get; init; } = ExtractionTargets.LatexAndExpr;

    /// <summary>Wall-clock budget of one <see cref="MathVerifier.Verify"/> call, enforced cooperatively
    /// (no signals, no thread aborts). Past it the verdict is false with rule <see cref="VerdictRule.TimeBudgetExceeded"/>.</summary>
    public TimeSpan TimeBudget { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longer gold or prediction texts are rejected without being read (characters).</summary>
    public int MaxInputChars { get; init; } = 2_000_000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting to change.</summary>
    public void Validate()
    {
        if (FloatRounding is < 0 or > 30)
            throw new ArgumentException($"FloatRounding must be in [0, 30], got {FloatRounding}", nameof(FloatRounding));
        if (NumericPrecision is < 1 or > 30)
            throw new ArgumentException($"NumericPrecision must be in [1, 30], got {NumericPrecision}", nameof(NumericPrecision));
        if (TimeBudget <= TimeSpan.Zero && TimeBudget != Timeout.InfiniteTimeSpan)
            throw new ArgumentException($"TimeBudget must be positive (or Timeout.InfiniteTimeSpan), got {TimeBudget}", nameof(TimeBudget));
        if (MaxInputChars <= 0)
            throw new ArgumentException($"MaxInputChars must be positive, got {MaxInputChars}", nameof(MaxInputChars));
        ArgumentNullException.ThrowIfNull(GoldTargets);
        ArgumentNullException.ThrowIfNull(PredictionTargets);
        GoldTargets.Validate();
        PredictionTargets.Validate();
    }
}
