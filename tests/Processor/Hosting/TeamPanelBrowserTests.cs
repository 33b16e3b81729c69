using System.Text.Json.Nodes;
using ContactCenter.Tests.Processor.Feed;
using ContactCenter.Topology.Events;
using Xunit.Abstractions;

namespace ContactCenter.Tests.Processor.Hosting;

/// <summary>
/// The page's team panel in a real headless Chromium, on a pod running examples/agent-supervisors.yaml: it shows
/// exactly the counts Redis holds (read here with HGETALL, never through the feed), follows a change produced to a
/// source topic, and its tenant filter shows that tenant's groups only.
/// </summary>
[Trait("Kind", "Integration")]
[Collection(PodProcessCollection.Name)]
public sealed class TeamPanelBrowserTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private const string CountKey = "cc:count:tenant-status";

    private const string Rows = "return [...document.querySelectorAll('#team tbody tr')].map(r => [r.dataset.group, r.children[2].textContent])";

    private static async Task<Dictionary<string, string>> RedisCountsAsync(FeedPod pod) =>
        (await pod.Redis.GetDatabase().HashGetAllAsync(CountKey)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);

    private static bool Same(JsonNode? rows, Dictionary<string, string> expected) =>
        rows is JsonArray a && a.Count == expected.Count
        && a.All(r => expected.TryGetValue(r![0]!.GetValue<string>(), out var n) && n == r[1]!.GetValue<string>());

    [Fact]
    public async Task The_team_panel_shows_the_counts_Redis_holds_follows_a_change_and_filters_by_tenant()
    {
        await using var pod = await FeedPod.StartAsync(agents: 40, topology: "examples/agent-supervisors.yaml");
        try
        {
            await pod.ProduceAsync(150);
            await pod.SettleAsync(Deadline);
            var counts = await RedisCountsAsync(pod);
            Assert.NotEmpty(counts);
            // The counts are what the hashes say (the oracle recounts them).
            var agents = await pod.RedisAgentsAsync();
            var recount = agents.Values
                .Where(a => a.TryGetValue("tenant", out var t) && t.Length > 0 && a.TryGetValue("status", out var s) && s.Length > 0)
                .GroupBy(a => a["tenant"] + "|" + a["status"])
                .ToDictionary(g => g.Key, g => g.Count().ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(recount.OrderBy(c => c.Key), counts.OrderBy(c => c.Key));

            await using var browser = await HeadlessChromium.StartAsync();
            await browser.NavigateAsync(pod.Url + "/");
            await browser.WaitForAsync(Rows, r => Same(r, counts), Deadline, "the team panel shows the counts of Redis");

            // A change produced to the agent topic moves one agent to a new status: the panel follows Redis.
            var key = agents.Keys.Order().First();
            var agentId = key[(key.LastIndexOf(':') + 1)..];
            var tenant = agents[key]["tenant"];
            var status = "on-break-" + Guid.NewGuid().ToString("N")[..6];
            await pod.ProduceAgentAsync(new AgentEvent(agentId, Version: 1_000_000_000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                "Agent under test", tenant, status, "online"));
            await browser.WaitForAsync(Rows, r => r is JsonArray a && a.Any(x => x![0]!.GetValue<string>() == $"{tenant}|{status}"), Deadline, "the new group appears");
            var after = await RedisCountsAsync(pod);
            Assert.Equal("1", after[$"{tenant}|{status}"]);
            await browser.WaitForAsync(Rows, r => Same(r, after), Deadline, "the team panel equals Redis after the change");

            // The tenant filter: only that tenant's groups, as Redis holds them.
            await browser.EvaluateAsync($"document.getElementById('team-tenant').value = '{tenant}'; document.querySelector('#team-filter button').click(); return true");
            var only = after.Where(c => c.Key.StartsWith(tenant + "|", StringComparison.Ordinal)).ToDictionary(c => c.Key, c => c.Value);
            Assert.True(only.Count < after.Count, "the simulation has more than one tenant");
            await browser.WaitForAsync(Rows, r => Same(r, only), Deadline, "the filtered panel shows that tenant's counts only");
        }
        finally
        {
            output.WriteLine(pod.Process.Output);
        }
    }
}
