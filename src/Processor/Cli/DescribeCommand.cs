using System.CommandLine;
using ContactCenter.Topology.Files;

namespace ContactCenter.Processor.Cli;

/// <summary><c>contactcenter describe FILE</c>: each stage in Kafka Streams' describe() form.</summary>
internal static class DescribeCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "Topology file." };
        var command = new Command("describe", "Print each stage's compiled topology in Kafka Streams' describe() form.");
        command.Arguments.Add(file);
        command.SetAction(parseResult => TopologyTools.Describe(parseResult.GetValue(file)!, parseResult.InvocationConfiguration.Output));
        return command;
    }
}
