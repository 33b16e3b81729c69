using System.CommandLine;

namespace ContactCenter.Cli;

internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the engine's version.");
        command.SetAction(_ =>
        {
            Console.WriteLine(typeof(VersionCommand).Assembly.GetName().Version);
            return 0;
        });
        return command;
    }
}
