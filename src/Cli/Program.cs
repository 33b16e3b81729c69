using System.CommandLine;
using ContactCenter.Cli;

// The `contactcenter` CLI. Each verb lives in its own file under Cli/ and is registered here, one line each.
var root = new RootCommand("ContactCenter Streams: stream processing for real-time contact-center agent state.");
foreach (var command in CommandCatalog.All())
    root.Subcommands.Add(command);
var parse = root.Parse(args);
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
