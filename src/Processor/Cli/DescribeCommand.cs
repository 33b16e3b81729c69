using System.CommandLine;
using ContactCenter.Topology.Files;

namespace ContactCenter.Processor.Cli;

/// <summary><c>contactcenter describe FILE</c>: each stage in Kafka Streams' describe() form; exit 1 for an invalid file.</summary>
internal static class DescribeCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "Topology file." };
        var command = new Command("describe", "Print each stage's compiled topology in Kafka Streams' describe() form.");
        command.Arguments.Add(file);
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            if (TopologyInput.LoadValid(parseResult.GetValue(file)!, output) is not { } model) return 1;
            output.Write(TopologyDescriber.Describe(model));
            return 0;
        });
        return command;
    }
}
