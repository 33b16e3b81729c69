using ContactCenter.Processor.Pipeline;
using System.CommandLine;
using ContactCenter.Topology.Files;

namespace ContactCenter.Cli;

/// <summary>
/// <c>contactcenter describe FILE</c>: compiles the file and prints each stage as its host runs it (Streamiz's own
/// <c>Topology.Describe()</c> for the aggregate stage; see <see cref="PipelineDescriber"/>). A file with errors prints
/// them as <c>validate</c> does and exits 1.
/// </summary>
internal static class DescribeCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "Topology file." };
        var command = new Command("describe", "Print each stage as it runs: Streamiz's describe() of the aggregate stage, the same form for the consumer stages.");
        command.Arguments.Add(file);
        command.SetAction(parseResult => Run(parseResult.GetValue(file)!, parseResult.InvocationConfiguration.Output));
        return command;
    }

    public static int Run(string path, TextWriter output)
    {
        var result = TopologyLoader.Load(path);
        if (result.HasErrors || result.Spec is not { } spec)
        {
            foreach (var d in result.Diagnostics) output.WriteLine(d);
            return 1;
        }
        output.Write(PipelineDescriber.Describe(spec));
        return 0;
    }
}
