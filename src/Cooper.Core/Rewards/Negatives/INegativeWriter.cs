namespace Cooper.Rewards.Negatives;

/// <summary>
/// Cooper's assistant: turns a correct solution into a plausible but wrong one (paper §3.2, stage 2).
/// Returns null when it could not produce one (e.g. an endpoint failure); the pair is then invalid.
/// </summary>
public interface INegativeWriter
{
    /// <summary>A short name for logs and metrics.</summary>
    string Name { get; }

    /// <summary>Writes a wrong solution for <paramref name="question"/> from the correct <paramref name="positive"/>.</summary>
    /// <param name="attempt">0-based attempt number; a writer may vary its output with it.</param>
    /// <param name="seed">Deterministic seed for this (step, prompt) — embedded writers must honour it.</param>
    Task<string?> WriteAsync(string question, string positive, int attempt, ulong seed, CancellationToken ct = default);
}
