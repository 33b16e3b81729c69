using System.Net;
using ContactCenter.Processor.Feed;
using ContactCenter.Testing;
using ContactCenter.Tests.Processor.Hosting;
using Xunit.Abstractions;

namespace ContactCenter.Tests.Processor.Feed;

/// <summary>
/// The feed's resume rule against a real pod: a client that drops mid-stream and comes back with its last event id gets
/// exactly what changed while it was away (no gap), nothing twice, and never an older state over a newer one.
/// </summary>
[Trait("Kind", "Integration")]
[Collection(PodProcessCollection.Name)]
public sealed class AgentFeedReconnectTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public Task A_client_that_drops_mid_stream_resumes_from_its_last_event_id_without_gap_duplicate_or_stale_overwrite() =>
        DropAndResumeAsync(onAnotherPod: false);

    [Fact]
    public Task A_client_resumes_on_another_pod_from_the_event_id_the_first_pod_gave_it() =>
        DropAndResumeAsync(onAnotherPod: true);

    private async Task DropAndResumeAsync(bool onAnotherPod)
    {
        await using var pod = await FeedPod.StartAsync(agents: 60);
        try
        {
            // The other pod shares the state stage's partitions: each pod publishes its own, each serves all.
            var resumeUrl = onAnotherPod ? await pod.StartAnotherStatePodAsync() : pod.Url;
            await pod.ProduceAsync(200);
            await pod.SettleAsync(Deadline);
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            var model = new FeedModel();
            string? lastId = null;

            // First connection: the snapshot equals Redis, then changes arrive live while traffic runs.
            using (var drop = new CancellationTokenSource())
            {
                using var response = await http.GetAsync(pod.Url + AgentStreamEndpoint.Path, HttpCompletionOption.ResponseHeadersRead);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                await using var body = await response.Content.ReadAsStreamAsync();
                var events = ServerSentEvents.ReadAsync(body, id => lastId = id, drop.Token).GetAsyncEnumerator();
                Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(Deadline));
                Assert.Equal("snapshot", events.Current.Event);
                model.Apply(events.Current);
                Assert.Empty(model.DiffersFrom(await pod.RedisAgentsAsync()));
                var afterSnapshot = model.Changes;

                var traffic = pod.ProduceAsync(300);
                using var enough = new CancellationTokenSource(Deadline);
                // Some changes, not a fixed share of the 300 events: the writer coalesces an agent's writes within a
                // batch and publishes only what changed, so how many changes 300 events make depends on the batching.
                while (model.Changes - afterSnapshot < 20 && await events.MoveNextAsync().AsTask().WaitAsync(enough.Token))
                    model.Apply(events.Current);
                await traffic;
                // The client goes away mid-stream: what was published after this is not read.
                await drop.CancelAsync();
                await events.DisposeAsync();
            }
            output.WriteLine($"dropped after {model.Changes} changes at id {lastId}");
            Assert.NotNull(lastId);

            // While it is away: more changes, all applied by Redis before it comes back.
            await pod.ProduceAsync(300);
            await pod.SettleAsync(Deadline);
            var redisWhileAway = await pod.RedisAgentsAsync();
            Assert.NotEmpty(model.DiffersFrom(redisWhileAway)); // it missed something, or the test proves nothing

            // Second connection with Last-Event-ID: the first event brings exactly what it missed.
            using var request = new HttpRequestMessage(HttpMethod.Get, resumeUrl + AgentStreamEndpoint.Path);
            request.Headers.Add("Last-Event-ID", lastId);
            using var resumed = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
            await using var resumedBody = await resumed.Content.ReadAsStreamAsync();
            using var stop = new CancellationTokenSource();
            var more = ServerSentEvents.ReadAsync(resumedBody, id => lastId = id, stop.Token).GetAsyncEnumerator();
            Assert.True(await more.MoveNextAsync().AsTask().WaitAsync(Deadline));
            Assert.Equal("changes", more.Current.Event);
            model.Apply(more.Current);
            Assert.Empty(model.DiffersFrom(redisWhileAway));

            // And live again after the resume.
            await pod.ProduceAsync(200);
            await pod.SettleAsync(Deadline);
            var redisAtEnd = await pod.RedisAgentsAsync();
            using var converge = new CancellationTokenSource(Deadline);
            while (model.DiffersFrom(redisAtEnd).Count > 0 && await more.MoveNextAsync().AsTask().WaitAsync(converge.Token))
                model.Apply(more.Current);
            await stop.CancelAsync();
            await more.DisposeAsync();

            output.WriteLine($"{model.Changes} changes received in all; {redisAtEnd.Count} agents in Redis; last id {lastId}");
            Assert.Empty(model.DiffersFrom(redisAtEnd));
            Assert.Empty(model.Duplicates);
            Assert.Empty(model.StaleOverwrites);
        }
        finally
        {
            output.WriteLine(pod.Process.Output);
        }
    }
}
