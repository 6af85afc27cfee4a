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

    [Fact]
    public void Generator_matches_the_published_SplitMix64_sequence()
    {
        // Reference outputs of SplitMix64 for seed 0 (Vigna's splitmix64.c): 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4.
        var rng = new SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, rng.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, rng.NextUInt64());
        // Below(n) is the first output modulo n: 0xE220A8397B1DCDAF % 10 = 5, % 7 = 2.
        Assert.Equal(5, new SplitMix64(0).Below(10));
        Assert.Equal(2, new SplitMix64(0).Below(7));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SplitMix64(0).Below(0));
    }
}
