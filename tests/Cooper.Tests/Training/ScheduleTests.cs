using Cooper.Training;

using Cooper.Tests.RL;
using Cooper.Tests.Modeling;
using Cooper.Tests.Data;

namespace Cooper.Tests.Training;

public class ScheduleTests
{
    [Fact]
    public void Warmup_then_constant()
    {
        var s = new LrSchedule(ScheduleKind.WarmupConstant, 1e-6, WarmupSteps: 20, TotalSteps: 100);
        Assert.Equal(1e-6 / 20, s.At(0), 15);
        Assert.Equal(1e-6 * 10 / 20, s.At(9), 15);
        Assert.Equal(1e-6, s.At(19), 15);
        Assert.Equal(1e-6, s.At(99), 15);
    }

    [Fact]
    public void Warmup_then_cosine_reaches_the_floor_at_the_last_step()
    {
        var s = new LrSchedule(ScheduleKind.WarmupCosine, 1.0, WarmupSteps: 10, TotalSteps: 110, MinRatio: 0.1);
        Assert.Equal(1.0, s.At(10), 12);                        // peak right after warm-up
        Assert.Equal(0.1 + 0.9 * 0.5, s.At(60), 12);            // halfway: cos(π/2) → mid
        Assert.Equal(0.1, s.At(110), 12);                       // floor
        Assert.Equal(0.1, s.At(500), 12);                       // stays at the floor
    }
}
