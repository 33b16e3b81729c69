using System.CommandLine;
using System.Runtime.InteropServices;
using ContactCenter.Processor.Kafka;
using ContactCenter.Sandbox.Kafka;

namespace ContactCenter.Cli;

/// <summary>
/// <c>contactcenter broker</c>: runs an embedded Kafka-protocol cluster (native by default, or librdkafka's mock) in this process until SIGINT/SIGTERM, for local
/// development and tests. Stdout gets exactly one line, the bootstrap servers, so scripts can capture it.
/// </summary>
internal static class BrokerCommand
{
    public static Command Create()
    {
        var brokers = new Option<int>("--brokers")
        {
            Description = "Number of brokers in the cluster.",
            DefaultValueFactory = _ => 3,
        };
        var bootstrapFile = new Option<FileInfo?>("--bootstrap-file")
        {
            Description = "Also write the bootstrap servers to this file (written atomically, removed on shutdown).",
        };
        var topics = new Option<string?>("--topics")
        {
            Description = "Topics to create up front: name:partitions[:replication],... .",
        };
        var kind = BrokerKindOption.Create();
        var dataDir = new Option<DirectoryInfo?>("--data-dir")
        {
            Description = "embedded broker only: keep topics, records and committed offsets in this directory and load them at start.",
        };
        var command = new Command("broker", "Run an embedded Kafka-protocol cluster until Ctrl-C.")
        {
            brokers, bootstrapFile, topics, kind, dataDir,
        };
        command.SetAction(async (parseResult, ct) =>
        {
            var brokerCount = parseResult.GetValue(brokers);
            IReadOnlyList<TopicRequest> requested;
            try
            {
                if (brokerCount < 1) throw new FormatException("--brokers must be at least 1.");
                if (parseResult.GetValue(dataDir) is not null && parseResult.GetValue(kind) != BrokerKind.Embedded)
                    throw new FormatException("--data-dir needs --broker embedded (the mock keeps nothing on disk).");
                requested = ParseTopics(parseResult.GetValue(topics));
                if (requested.FirstOrDefault(t => t.Replication > brokerCount) is { Name: not null } tooMany)
                    throw new FormatException($"--topics: '{tooMany.Name}' asks for replication {tooMany.Replication} with {brokerCount} broker(s).");
            }
            catch (FormatException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
            return await RunAsync(parseResult.GetValue(kind), parseResult.GetValue(dataDir)?.FullName, brokerCount, parseResult.GetValue(bootstrapFile), requested, ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(BrokerKind kind, string? dataDir, int brokerCount, FileInfo? bootstrapFile,
        IReadOnlyList<TopicRequest> topics, CancellationToken ct)
    {
        // System.CommandLine cancels ct on Ctrl-C; SIGTERM (docker stop, kill) must end the run just as cleanly.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

        using var logs = ContactCenter.Processor.Hosting.Logs.Create();
        using var broker = LocalKafka.Start(kind, brokerCount, dataDirectory: dataDir, logger: logs.CreateLogger("ContactCenter.Broker"));
        foreach (var topic in topics)
            broker.CreateTopic(topic.Name, topic.Partitions, topic.Replication);

        // File first: whoever has read the stdout line can rely on the file being there too.
        if (bootstrapFile is not null) await WriteAtomicallyAsync(bootstrapFile, broker.BootstrapServers);
        Console.Out.WriteLine(broker.BootstrapServers);
        await Console.Out.FlushAsync(CancellationToken.None);
        Console.Error.WriteLine(
            $"Embedded Kafka: {broker.Description}" +
            (topics.Count == 0 ? "" : ", topics " + string.Join(", ", topics.Select(t => $"{t.Name}({t.Partitions})"))) +
            ". Ctrl-C to stop.");

        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // Normal shutdown.
        }
        finally
        {
            if (bootstrapFile is not null) TryDelete(bootstrapFile);
        }
        Console.Error.WriteLine("Embedded Kafka stopped.");
        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // we shut down ourselves, after disposing the cluster
            stop.Cancel();
        }
    }

    // Write to a sibling temp file and rename, so that a script polling for the file never reads half a line.
    private static async Task WriteAtomicallyAsync(FileInfo file, string content)
    {
        if (file.DirectoryName is { } dir) Directory.CreateDirectory(dir);
        var temp = file.FullName + ".tmp-" + Environment.ProcessId;
        await File.WriteAllTextAsync(temp, content + Environment.NewLine);
        File.Move(temp, file.FullName, overwrite: true);
    }

    private static void TryDelete(FileInfo file)
    {
        try { file.Delete(); }
        catch (IOException) { /* best effort: a stale file only names ports nobody listens on */ }
        catch (UnauthorizedAccessException) { }
    }

    internal readonly record struct TopicRequest(string Name, int Partitions, int Replication);

    /// <summary>Parses <c>name:partitions[:replication],...</c>; throws <see cref="FormatException"/> with a readable message.</summary>
    internal static IReadOnlyList<TopicRequest> ParseTopics(string? spec)
    {
        if (string.IsNullOrWhiteSpace(spec)) return [];
        var result = new List<TopicRequest>();
        foreach (var item in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = item.Split(':');
            if (parts.Length is < 2 or > 3 || parts[0].Length == 0
                || !int.TryParse(parts[1], out var partitions) || partitions < 1)
                throw new FormatException($"--topics: '{item}' is not name:partitions[:replication] with partitions >= 1.");
            var replication = 1;
            if (parts.Length == 3 && (!int.TryParse(parts[2], out replication) || replication < 1))
                throw new FormatException($"--topics: '{item}' has an invalid replication factor.");
            result.Add(new TopicRequest(parts[0], partitions, replication));
        }
        return result;
    }
}
