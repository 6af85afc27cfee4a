using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Cooper.Verify.Tests")]
