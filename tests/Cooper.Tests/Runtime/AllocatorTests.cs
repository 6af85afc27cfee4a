using Cooper.Runtime;

namespace Cooper.Tests.Runtime;

public class AllocatorTests
{
    [Fact]
    public void Malloc_tuning_takes_effect_on_linux_and_is_applied_once()
    {
        bool first = Allocator.Tune();
        // glibc accepts every value (mallopt returns 1); a value above its limits would return 0 and turn this false.
        bool expected = OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable(Allocator.DisableVariable) != "0";
        Assert.Equal(expected, first);
        Assert.Equal(first, Allocator.Tune());
        Assert.Equal(first, Allocator.Tuned);
    }
}
