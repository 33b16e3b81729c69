using System.CommandLine;
using System.CommandLine.Invocation;
using Confluent.Kafka;
using ContactCenter.Processor.Operations;
using StackExchange.Redis;

namespace ContactCenter.Cli;

/// <summary>
/// The exit codes every verb shares, and the one place an expected failure becomes one line instead of a stack trace.
/// Verbs may use further codes of their own (plan: 2 NEEDS REPLAY, 3 BREAKS), documented with the verb.
/// </summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The work failed or was refused (a corrupt file, a failed replay, a file that cannot be written).</summary>
    public const int Failed = 1;
    /// <summary>Invalid input: a bad flag, topology or setting; nothing was done.</summary>
    public const int InvalidInput = 2;
    /// <summary>Kafka or Redis could not be reached (or refused the credentials) within the verb's bound.</summary>
    public const int Unreachable = 4;
    /// <summary>Interrupted (Ctrl-C).</summary>
    public const int Interrupted = 130;
}

/// <summary>
/// Wraps every verb's action (<see cref="CommandCatalog"/>): an exception a user can cause (a cluster away, a missing
/// file or folder, refused credentials, Ctrl-C) is reported as <c>VERB: what happened (what to check)</c> on stderr with
/// its exit code; anything else as one line naming the exception. No stack trace reaches a user.
/// </summary>
internal sealed class GuardedAction(string verb, CommandLineAction inner) : AsynchronousCommandLineAction
{
    public override async Task<int> InvokeAsync(ParseResult parseResult, CancellationToken cancellationToken = default)
    {
        try
        {
            return inner switch
            {
                AsynchronousCommandLineAction async => await async.InvokeAsync(parseResult, cancellationToken).ConfigureAwait(false),
                SynchronousCommandLineAction sync => sync.Invoke(parseResult),
                _ => throw new InvalidOperationException($"unknown action type {inner.GetType().Name}"),
            };
        }
        catch (Exception error)
        {
            var (code, line) = Describe(error, cancellationToken);
            parseResult.InvocationConfiguration.Error.WriteLine($"{verb}: {line}");
            return code;
        }
    }

    internal static (int Code, string Line) Describe(Exception error, CancellationToken ct) => error switch
    {
        UnreachableException e => (ExitCodes.Unreachable, e.Message),
        RedisConnectionException e => (ExitCodes.Unreachable, $"cannot reach Redis: {FirstLine(e.Message)} (check Redis:Endpoint / --redis and the Redis credentials)"),
        RedisTimeoutException e => (ExitCodes.Unreachable, $"Redis did not answer in time: {FirstLine(e.Message)} (check Redis:Endpoint / --redis)"),
        KafkaException e when e.Error.IsLocalError => (ExitCodes.Unreachable, $"Kafka: {e.Error.Reason} (check Kafka:BootstrapServers / --bootstrap-servers and the Kafka security settings)"),
        KafkaException e => (ExitCodes.Failed, $"Kafka refused: {e.Error.Reason} ({e.Error.Code})"),
        FormatException e => (ExitCodes.InvalidInput, $"configuration: {FirstLine(e.Message)}"),
        OperationCanceledException when ct.IsCancellationRequested => (ExitCodes.Interrupted, "interrupted"),
        DirectoryNotFoundException e => (ExitCodes.Failed, FirstLine(e.Message)),
        FileNotFoundException e => (ExitCodes.Failed, FirstLine(e.Message)),
        UnauthorizedAccessException e => (ExitCodes.Failed, FirstLine(e.Message)),
        IOException e => (ExitCodes.Failed, FirstLine(e.Message)),
        RedisException e => (ExitCodes.Failed, $"Redis refused: {FirstLine(e.Message)}"),
        _ => (ExitCodes.Failed, $"failed ({error.GetType().Name}): {FirstLine(error.Message)}"),
    };

    private static string FirstLine(string message) => message.Split('\n', 2)[0].TrimEnd('\r');

    /// <summary>Wraps the action of <paramref name="command"/> and of every subcommand.</summary>
    public static Command Guard(Command command, string? verb = null)
    {
        var name = verb is null ? command.Name : $"{verb} {command.Name}";
        if (command.Action is { } action and not GuardedAction) command.Action = new GuardedAction(name, action);
        foreach (var sub in command.Subcommands) Guard(sub, name);
        return command;
    }
}
