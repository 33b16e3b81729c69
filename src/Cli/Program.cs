using System.CommandLine;
using ContactCenter.Cli;

// The `contactcenter` CLI. Each verb lives in its own file under Cli/ and is registered here, one line each.
var root = new RootCommand("ContactCenter Streams: stream processing for real-time contact-center agent state.");
foreach (var command in CommandCatalog.All())
    root.Subcommands.Add(command);
var parse = root.Parse(args);
if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
{
    // A bad flag or a missing argument is invalid input (exit 2, as every verb documents), said in one line per
    // problem: System.CommandLine's default prints the whole help page after them and exits 1.
    var verb = parse.CommandResult.Command == root ? "contactcenter" : $"contactcenter {parse.CommandResult.Command.Name}";
    foreach (var error in parse.Errors)
        Console.Error.WriteLine($"{verb}: {error.Message}");
    Console.Error.WriteLine($"{verb}: see '{verb} --help'");
    Environment.Exit(ExitCodes.InvalidInput);
}
// A pod handles SIGTERM/SIGINT through its host and drains for as long as its grace period allows; System.CommandLine's
// own handler would end it after 2 s with exit 143 (ProcessTerminationTimeout), so it is off for `run`; `broker` handles
// every stop signal itself (a second signal must not reach System.CommandLine's disposed token source).
var invocation = new InvocationConfiguration();
if (parse.CommandResult.Command.Name is RunCommand.Name or BrokerCommand.Name)
    invocation.ProcessTerminationTimeout = null;
var exit = await parse.InvokeAsync(invocation);
// The verb's exit code ends the process even when a library left a thread behind that still waits for a broker or a
// Redis that went away (Streamiz's stream threads are foreground threads: the runtime would wait for them).
Environment.Exit(exit);
return exit;
