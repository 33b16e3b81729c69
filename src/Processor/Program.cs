using System.CommandLine;
using ContactCenter.Processor.Cli;

// The `contactcenter` CLI. Each verb lives in its own file under Cli/ and is registered here, one line each.
var root = new RootCommand("ContactCenter Streams: stream processing for real-time contact-center agent state.");
foreach (var command in CommandCatalog.All())
    root.Subcommands.Add(command);
return await root.Parse(args).InvokeAsync();
