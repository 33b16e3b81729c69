using ContactCenter.Sandbox.Scale;
using Xunit.Abstractions;

namespace ContactCenter.Tests.Sandbox.Scale;

/// <summary>
/// The restore measurement on a small store: the real aggregate stage restores every agent from the changelog on an
/// empty disk, and a new owner that finds the previous owner's state directory (a shared volume) recovers all of them
/// from the FASTER checkpoint instead of replaying the changelog.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class AggregateRestoreMeasurementTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-restore-").FullName;

    [Fact]
    public async Task A_new_owner_on_the_previous_owners_state_directory_recovers_every_agent_from_the_checkpoint()
    {
        const int agents = 3000;
        var result = await AggregateRestoreMeasurement.RunAsync(Path.Combine(RepoPaths.Root(), "topologies", "agent-state.yaml"), agents, _dir,
            new TestOutputWriter(output));

        // Every agent came back through the checkpoint the first (changelog-restored) owner wrote when it stopped.
        Assert.True(result.StateVerified, $"the second owner did not recover {agents} entries");
        Assert.Equal(agents, result.Agents);
        Assert.True(result.ChangelogSeconds > 0 && result.SharedCheckpointSeconds > 0);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
