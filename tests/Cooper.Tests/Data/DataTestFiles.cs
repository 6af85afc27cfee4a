namespace Cooper.Tests.Data;

/// <summary>Fixture paths and a throw-away folder for tests that write files.</summary>
internal sealed class DataTestFiles : IDisposable
{
    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "Fixtures", name);

    public string Dir { get; } = Directory.CreateTempSubdirectory("cooper-data-test-").FullName;

    public string PathOf(string name) => Path.Combine(Dir, name);

    /// <summary>Writes <paramref name="lines"/> (joined with \n) to a file in <see cref="Dir"/> and returns its path.</summary>
    public string WriteLines(string name, params string[] lines)
    {
        var path = PathOf(name);
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
