using System.CommandLine;
using ContactCenter.Processor.Fixtures;

namespace ContactCenter.Processor.Cli;

/// <summary><c>contactcenter test FILE|DIR...</c>: runs topology fixtures without a broker; exit 1 on any failure.</summary>
internal static class TestCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("fixtures") { Description = "Fixture files, or directories of them (topologies/fixtures).", Arity = ArgumentArity.OneOrMore };
        var command = new Command("test", "Run topology fixtures (input records -> expected records and Redis hashes) without a broker. Exit 1 on any failure.");
        command.Arguments.Add(paths);
        command.SetAction((parseResult, _) => FixtureRunner.RunAsync(parseResult.GetValue(paths) ?? [], parseResult.InvocationConfiguration.Output));
        return command;
    }
}
