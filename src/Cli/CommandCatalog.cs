using System.CommandLine;

namespace ContactCenter.Cli;

/// <summary>The list of CLI verbs. Add one line per verb; the verb's code lives in its own file. Every verb's action is
/// wrapped by <see cref="GuardedAction"/>, so no expected failure prints a stack trace.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All() => Verbs().Select(command => GuardedAction.Guard(command));

    private static IEnumerable<Command> Verbs()
    {
        yield return VersionCommand.Create();
        yield return BrokerCommand.Create();
        yield return DemoCommand.Create();
        yield return RunCommand.Create();
        yield return ValidateCommand.Create();
        yield return SchemaCommand.Create();
        yield return DescribeCommand.Create();
        yield return DiagramCommand.Create();
        yield return PlanCommand.Create();
        yield return ReplayCommand.Create();
        yield return ResetCommand.Create();
        yield return PurgeKeysCommand.Create();
        yield return TestCommand.Create();
        yield return SnapshotCommand.Create();
        yield return ReconcileCommand.Create();
    }
}
