using System.CommandLine;
using System.Text.Json;
using ContactCenter.Stores.Queue;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Files;
using ContactCenter.Processor.Operations;

namespace ContactCenter.Cli;

/// <summary>
/// <c>contactcenter reconcile TOPOLOGY --listing URL</c>: compares what a queue stage's jobs say was provisioned with
/// what the downstream service lists, reports missing and extra agents, and with <c>--execute</c> queues one job of
/// every missing agent again (same idempotency key). Dry run by default; running it twice changes nothing the second
/// time. Exit 0 when nothing is missing or extra (or everything missing was queued again), 3 when gaps remain, 2 on
/// bad input.
/// </summary>
internal static class ReconcileCommand
{
    public static Command Create()
    {
        var topology = new Argument<string>("topology") { Description = "The topology whose queue stage is reconciled." };
        var stage = new Option<string?>("--stage") { Description = "The queue stage (default: the only one with an http effect)." };
        var listing = new Option<string>("--listing") { Description = "The service's listing endpoint: a JSON array of objects with an agentId (e.g. http://host/agents).", Required = true };
        var execute = new Option<bool>("--execute") { Description = "Queue the missing agents' jobs again (default: report only)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Report only (the default)." };
        var format = ReportFormat.Option(ReportFormat.Text, ReportFormat.Json);
        var command = new Command("reconcile", "Compare a queue stage's jobs with what the downstream service confirms; re-queue the missing (dry run by default).")
        {
            stage, listing, execute, dryRun, format,
        };
        command.Arguments.Add(topology);
        var cluster = ClusterOptions.AddTo(command, kafka: false, redis: true);
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (parse.GetValue(execute) && parse.GetValue(dryRun))
            {
                error.WriteLine("reconcile: give --execute or --dry-run, not both");
                return 2;
            }
            if (!Uri.TryCreate(parse.GetValue(listing), UriKind.Absolute, out var listingUri))
            {
                error.WriteLine("reconcile: --listing must be an absolute URL");
                return 2;
            }
            if (cluster.Bind(parse, error) is not { } settings)
                return ExitCodes.InvalidInput;
            var loaded = TopologyLoader.Load(TopologyFiles.Resolve(parse.GetValue(topology)!, parse.InvocationConfiguration.Error));
            if (loaded.Spec is not { } spec)
            {
                foreach (var diagnostic in loaded.Diagnostics) error.WriteLine(diagnostic);
                return 2;
            }
            var name = parse.GetValue(stage);
            var candidates = spec.QueueStages.Where(q => name is null ? q.Http is not null : q.Name == name).ToList();
            if (candidates.Count != 1)
            {
                error.WriteLine(name is null
                    ? $"reconcile: {spec.Name} has {candidates.Count} queue stages with an http effect; name one with --stage"
                    : $"reconcile: {spec.Name} has no queue stage '{name}' (it has: {string.Join(", ", spec.QueueStages.Select(q => q.Name))})");
                return 2;
            }
            using var connection = await ClusterOptions.ConnectRedisAsync(settings, ct);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            ReconcileReport report;
            try
            {
                report = await Reconciler.RunAsync(new RedisJobQueue(connection, candidates[0].QueueKey), new HttpProvisionedAgents(http, listingUri),
                    parse.GetValue(execute), ct);
            }
            catch (Exception failure) when (failure is HttpRequestException or JsonException or InvalidDataException or TaskCanceledException)
            {
                error.WriteLine($"reconcile: the listing {listingUri} could not be read: {failure.Message}");
                return 2;
            }
            if (parse.GetValue(format) == ReportFormat.Json)
            {
                output.WriteLine(JsonSerializer.Serialize(report, ReconcileJson.Default.ReconcileReport));
            }
            else
            {
                output.WriteLine($"{report.Jobs:N0} jobs for {report.Agents:N0} agents; the service lists {report.Confirmed:N0}; {report.Pending:N0} agents still pending");
                output.WriteLine($"missing {report.Missing.Count:N0}: {string.Join(", ", report.Missing.Take(10))}{(report.Missing.Count > 10 ? ", ..." : "")}");
                output.WriteLine($"extra   {report.Extra.Count:N0}: {string.Join(", ", report.Extra.Take(10))}{(report.Extra.Count > 10 ? ", ..." : "")}");
                output.WriteLine(report.Executed ? $"re-queued {report.Requeued:N0} jobs" : "dry run: nothing was queued; run again with --execute");
            }
            var settled = report.Extra.Count == 0 && (report.Missing.Count == 0 || report.Executed && report.Requeued == report.Missing.Count);
            return settled ? 0 : 3;
        });
        return command;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(ReconcileReport))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class ReconcileJson : System.Text.Json.Serialization.JsonSerializerContext;
