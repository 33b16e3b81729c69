using ContactCenter.Topology.Files;

namespace ContactCenter.Cli;

/// <summary>
/// Turns <c>plan</c>'s structured fixes into the command lines an operator runs, against the NEW topology file: each
/// a real verb with the files' stage, topic, group and key names, the path quoted for a POSIX shell, no placeholders;
/// the cluster comes from the settings every verb reads (<c>appsettings.json</c> or <c>--config</c>,
/// <c>CC__Kafka__BootstrapServers</c>, <c>CC__Redis__Endpoint</c>), or add <c>--bootstrap-servers</c> / <c>--redis</c>. A kind no verb does yet is a documented procedure (docs/topologies.md).
/// </summary>
internal static class PlanFixCommands
{
    /// <summary>The docs section that describes the procedure for kinds without a single command.</summary>
    public const string MigrateProcedure = "docs/topologies.md, \"Changing a partition count or a record key\"";
    public const string RebuildStoreProcedure = "docs/topologies.md, \"Rebuilding a merge stage's store\"";

    /// <summary>The fix's kind as printed and in JSON (<c>copy-progress</c>).</summary>
    public static string KindName(PlanFixKind kind) => kind switch
    {
        PlanFixKind.Replay => "replay",
        PlanFixKind.StartOver => "start-over",
        PlanFixKind.RebuildStore => "rebuild-store",
        PlanFixKind.MoveGroupOffsets => "move-group-offsets",
        PlanFixKind.CopyProgress => "copy-progress",
        PlanFixKind.MoveQueue => "move-queue",
        PlanFixKind.PurgeKeys => "purge-keys",
        _ => "migrate",
    };

    /// <summary>The command line that applies <paramref name="fix"/> for <paramref name="newPath"/>; null for a kind no
    /// verb does yet (<see cref="Procedure"/> says where it is described).</summary>
    public static string? Command(PlanFix fix, string newPath)
    {
        var file = Quote(newPath);
        var stage = fix.Stage is { } s ? Quote(s) : string.Empty;
        string Arg(string name) => Quote(fix.Argument(name) ?? throw new InvalidOperationException($"{fix.Kind} fix without '{name}'"));
        return fix.Kind switch
        {
            PlanFixKind.Replay => $"contactcenter replay {file} --stage {stage} --from earliest --to latest-at-start --execute",
            PlanFixKind.StartOver or PlanFixKind.RebuildStore => fix.Argument("topic") is { } topic
                ? $"contactcenter reset {file} --stage {stage} --topics {Quote(topic)} --to-earliest --execute"
                : $"contactcenter reset {file} --stage {stage} --to-earliest --execute",
            PlanFixKind.MoveGroupOffsets => $"contactcenter reset {file} --stage {stage} --from-group {Arg("from-group")} --execute",
            PlanFixKind.CopyProgress => fix.Argument("from-group") is { } group
                ? $"contactcenter copy-progress {file} --stage {stage} --from-stage {Arg("from-stage")} --from-group {Quote(group)} --execute"
                : $"contactcenter copy-progress {file} --stage {stage} --from-stage {Arg("from-stage")} --execute",
            PlanFixKind.MoveQueue => $"contactcenter move-queue {file} --from {Arg("from-queue")} --to {Arg("to-queue")} --execute",
            PlanFixKind.PurgeKeys => $"contactcenter purge-keys {file} --key-pattern {Arg("key-pattern")} --execute",
            _ => null,
        };
    }

    /// <summary>The documented procedure a fix needs beyond (or instead of) its command; null when the command is all.</summary>
    public static string? Procedure(PlanFix fix) => fix.Kind switch
    {
        PlanFixKind.Migrate => MigrateProcedure,
        PlanFixKind.RebuildStore => RebuildStoreProcedure,
        _ => null,
    };

    /// <summary>One line for the text report: the backquoted command, with its procedure when it has one.</summary>
    public static string Text(PlanFix fix, string newPath) => (Command(fix, newPath), Procedure(fix)) switch
    {
        ({ } command, null) => $"`{command}`",
        ({ } command, { } procedure) => $"`{command}` with the stage's pods stopped and its store emptied ({procedure})",
        (null, { } procedure) => $"{KindName(fix.Kind)} {fix.Argument("entry")} ({fix.Argument("change")} {fix.Argument("from")} -> {fix.Argument("to")}): no verb yet, follow {procedure}",
        _ => KindName(fix.Kind),
    };

    /// <summary>A command-line word as a POSIX shell reads it: bare when safe, else in single quotes.</summary>
    internal static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "_./:=@+-,".Contains(c)) ? word : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
