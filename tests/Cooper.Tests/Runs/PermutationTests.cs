using Cooper.Data.Embedded;

using Cooper.Tests.RL;
using Cooper.Tests.Modeling;
using Cooper.Tests.Data;

namespace Cooper.Tests.Runs;

public class PermutationTests
{
    [Fact]
    public void Permutation_holds_every_index_once_and_depends_only_on_the_seed()
    {
        var a = SplitMix64.Permutation(1000, 42);
        Assert.Equal(Enumerable.Range(0, 1000), a.Order());
        Assert.Equal(a, SplitMix64.Permutation(1000, 42));
        Assert.NotEqual(a, SplitMix64.Permutation(1000, 43));
        Assert.NotEqual(Enumerable.Range(0, 1000), a); // actually shuffled
    }

    [Fact]
    public void Shuffle_of_three_items_reaches_all_six_orders()
    {
        var seen = new HashSet<string>();
        for (ulong s = 0; s < 200; s++)
        {
            var x = new[] { 0, 1, 2 };
            new SplitMix64(s).Shuffle(x);
            seen.Add(string.Join(",", x));
        }
        Assert.Equal(6, seen.Count);
    }
}
