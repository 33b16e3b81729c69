using ContactCenter.Cli;
using ContactCenter.Processor.Operations;

namespace ContactCenter.Tests.Processor.Operations;

[Trait("Kind", "Unit")]
public sealed class ReplayProgressTests
{
    [Fact]
    public async Task Progress_names_each_partition_when_the_output_is_not_a_terminal()
    {
        var output = new StringWriter();
        PartitionRange[] ranges = [new(0, 0, 100, 0, 100, "earliest", "latest-at-start"), new(1, 10, 20, 0, 20, "earliest", "latest-at-start")];
        var result = await ReplayCommand.WithProgressAsync(output, TimeSpan.FromSeconds(5), ranges, async progress =>
        {
            for (var i = 0; i <= 100; i += 10)
            {
                progress.Report(new ReplayProgress(0, i, 100));
                progress.Report(new ReplayProgress(1, i / 10, 10));
                await Task.Delay(10);
            }
            return new ReplayResult(ranges, false, 110, 0, [], [], 0, 0, TimeSpan.FromSeconds(1));
        });
        Assert.Equal(110, result.Consumed);
        Assert.Contains("partition 0", output.ToString());
        Assert.Contains("partition 1", output.ToString());
    }
}
