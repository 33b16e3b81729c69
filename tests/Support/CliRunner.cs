using System.CommandLine;
using ContactCenter.Cli;

namespace ContactCenter.Tests.Support;

/// <summary>Runs the <c>contactcenter</c> verbs in process, as a user types them; stdout and stderr are captured together.</summary>
internal static class CliRunner
{
    public static (int Code, string Output) Run(params string[] args) => RunWithStdin(null, args);

    public static (int Code, string Output) RunWithStdin(byte[]? stdin, params string[] args)
    {
        var root = new RootCommand("test");
        foreach (var command in CommandCatalog.All())
            root.Subcommands.Add(command.Name == "validate" && stdin is not null ? ValidateCommand.Create(() => new MemoryStream(stdin)) : command);
        var output = new StringWriter();
        var code = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = output });
        return (code, output.ToString());
    }
}
