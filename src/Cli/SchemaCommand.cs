using System.CommandLine;
using ContactCenter.Topology.Files;

namespace ContactCenter.Cli;

/// <summary><c>contactcenter schema [--out FILE]</c>: the JSON Schema of topology files, for editors.</summary>
internal static class SchemaCommand
{
    public static Command Create()
    {
        var output = new Option<string?>("--out") { Description = $"Write the schema to this file (the repository keeps it at {TopologySchema.RepositoryPath}) instead of stdout." };
        var command = new Command("schema", "Print the JSON Schema of topology files, generated from the loader's field tables.");
        command.Options.Add(output);
        command.SetAction(parseResult =>
        {
            var text = TopologySchema.Generate();
            if (parseResult.GetValue(output) is { } path)
            {
                if (OutputGuard.CheckWritable("--out", path, []) is { } refused)
                {
                    parseResult.InvocationConfiguration.Error.WriteLine($"schema: {refused}");
                    return ExitCodes.InvalidInput;
                }
                File.WriteAllText(path, text);
                parseResult.InvocationConfiguration.Output.WriteLine($"wrote {path}");
            }
            else parseResult.InvocationConfiguration.Output.Write(text);
            return 0;
        });
        return command;
    }
}
