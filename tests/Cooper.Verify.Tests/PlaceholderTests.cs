namespace Cooper.Verify.Tests; public class Placeholder { [Fact] public void Nothing() { Assert.True(1 + 1 == 2); } }
