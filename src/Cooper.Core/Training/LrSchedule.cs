namespace Cooper.Training;

/// <summary>Learning-rate schedule shapes.</summary>
public enum ScheduleKind
{
    /// <summary>Linear warm-up, then constant (verl's GRPO default).</summary>
    WarmupConstant,
    /// <summary>Linear warm-up, then cosine decay to <c>minRatio</c>·peak at the last step (SFT).</summary>
    WarmupCosine,
}

/// <summary>A learning-rate schedule as a pure function of the step (so resuming needs only the step).</summary>
public sealed record LrSchedule(ScheduleKind Kind, double PeakLr, int WarmupSteps, int TotalSteps, double MinRatio = 0.0)
{
    /// <summary>The learning rate for 0-based optimiser step <paramref name="step"/>.</summary>
    /// <remarks>Warm-up: lr·(step+1)/warmup for step &lt; warmup, so the first update is not zero.</remarks>
    public double At(long step)
    {
        if (WarmupSteps > 0 && step < WarmupSteps) return PeakLr * (step + 1) / WarmupSteps;
        if (Kind == ScheduleKind.WarmupConstant) return PeakLr;
        long decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        double progress = Math.Clamp((double)(step - WarmupSteps) / decaySteps, 0, 1);
        double cosine = 0.5 * (1 + Math.Cos(Math.PI * progress));
        return PeakLr * (MinRatio + (1 - MinRatio) * cosine);
    }
}
