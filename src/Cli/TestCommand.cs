using System.CommandLine;
using ContactCenter.Sandbox.Fixtures;

namespace ContactCenter.Cli;

/// <summary><c>contactcenter test FILE|DIR...</c>: runs topology fixtures without a broker; exit 1 on any failure.</summary>
internal static class TestCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("fixtures") { Description = "Fixture files, or directories of them (topologies/fixtures).", Arity = ArgumentArity.OneOrMore };
        var command = new Command("test", "Run topology fixtures (input records -> expected records and Redis hashes) without a broker. Exit 1 on any failure.");
        command.Arguments.Add(paths);
        command.SetAction((parseResult, _) => RunAsync(parseResult.GetValue(paths) ?? [], parseResult.InvocationConfiguration.Output));
        return command;
    }

    /// <summary>Runs the fixture files (directories: every <c>*.yaml</c> in them); 0 when all pass, 1 otherwise.</summary>
    private static async Task<int> RunAsync(IReadOnlyList<string> paths, TextWriter output)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path)) files.AddRange(Directory.GetFiles(path, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
            else files.Add(path);
        }
        var failed = 0;
        foreach (var file in files)
        {
            var result = await FixtureRunner.RunFileAsync(file).ConfigureAwait(false);
            if (!result.Passed) failed++;
            output.WriteLine($"{(result.Passed ? "PASS" : "FAIL")} {file}{(result.Name.Length > 0 ? $" ({result.Name})" : string.Empty)}");
            foreach (var d in result.Diagnostics) output.WriteLine("  " + d);
            foreach (var line in result.Differences) output.WriteLine("  " + line);
        }
        output.WriteLine($"{files.Count} fixture{(files.Count == 1 ? "" : "s")}: {files.Count - failed} passed, {failed} failed");
        return failed == 0 && files.Count > 0 ? 0 : 1;
    }
}
