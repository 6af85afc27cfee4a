using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Cooper.Tests")]
[assembly: InternalsVisibleTo("Cooper.Bench")]
