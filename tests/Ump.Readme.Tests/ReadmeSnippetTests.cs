using System.Reflection;
using System.Text.RegularExpressions;

namespace Ump.Readme;

/// <summary>
/// Every C# block of README.md is code that compiles: each is preceded by <c>&lt;!-- snippet: path[#region] --&gt;</c>
/// naming a file of the repository that is built (this project's <c>Snippets/</c>, or a sample), and must equal that
/// file, or the lines between its <c>#region name</c> and <c>#endregion</c>.
/// </summary>
public sealed partial class ReadmeSnippetTests
{
    private static readonly string Root = typeof(ReadmeSnippetTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    public static TheoryData<int> CSharpBlocks() => [.. ReadBlocks().Select(b => b.Line)];

    [Fact]
    public void Readme_HasCSharpBlocks()
    {
        Assert.True(ReadBlocks().Count >= 10, "README.md should hold its C# examples.");
    }

    [Theory]
    [MemberData(nameof(CSharpBlocks))]
    public void CSharpBlock_EqualsTheCompiledSnippet(int line)
    {
        var block = ReadBlocks().Single(b => b.Line == line);
        Assert.True(block.Source is not null, $"README.md line {line}: a C# block needs a '<!-- snippet: path#region -->' line before its fence.");

        var expected = Snippet(block.Source!);
        Assert.True(
            expected == block.Code,
            $"README.md line {line} differs from {block.Source}. Replace the block with:{Environment.NewLine}{expected}");
    }

    private static string Snippet(string source)
    {
        var hash = source.IndexOf('#', StringComparison.Ordinal);
        var path = Path.Combine(Root, hash < 0 ? source : source[..hash]);
        Assert.True(File.Exists(path), $"The snippet's file {path} does not exist.");
        var lines = File.ReadAllLines(path);
        if (hash < 0)
        {
            return Normalize(lines);
        }

        var name = source[(hash + 1)..];
        var start = Array.FindIndex(lines, l => l.Trim() == $"#region {name}");
        Assert.True(start >= 0, $"{path} has no '#region {name}'.");
        var end = Array.FindIndex(lines, start + 1, l => l.Trim() == "#endregion");
        Assert.True(end > start, $"{path}: '#region {name}' has no '#endregion'.");
        var region = lines[(start + 1)..end];
        var indent = region.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return Normalize(region.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
    }

    private static string Normalize(IEnumerable<string> lines) => string.Join('\n', lines.Select(l => l.TrimEnd())).Trim('\n');

    private static List<Block> ReadBlocks()
    {
        var lines = File.ReadAllLines(Path.Combine(Root, "README.md"));
        var blocks = new List<Block>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i] != "```csharp")
            {
                continue;
            }

            var end = Array.IndexOf(lines, "```", i + 1);
            Assert.True(end > i, $"README.md line {i + 1}: the C# block is not closed.");
            var previous = i - 1;
            while (previous >= 0 && lines[previous].Trim().Length == 0)
            {
                previous--;
            }

            var marker = previous >= 0 ? SnippetMarker().Match(lines[previous]) : Match.Empty;
            blocks.Add(new Block(i + 1, marker.Success ? marker.Groups[1].Value : null, Normalize(lines[(i + 1)..end])));
            i = end;
        }

        return blocks;
    }

    [GeneratedRegex(@"^<!-- snippet: (\S+) -->$")]
    private static partial Regex SnippetMarker();

    private sealed record Block(int Line, string? Source, string Code);
}
