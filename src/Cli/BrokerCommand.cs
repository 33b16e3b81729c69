using System.CommandLine;
using System.Runtime.InteropServices;
using ContactCenter.Broker;
using ContactCenter.Broker.Log;
using ContactCenter.Broker.Security;
using ContactCenter.Processor.Kafka;
using ContactCenter.Sandbox.Kafka;

namespace ContactCenter.Cli;

/// <summary>
/// <c>contactcenter broker</c>: runs an embedded Kafka-protocol cluster (native by default, or librdkafka's mock) in this process until SIGINT/SIGTERM, for local
/// development and tests. Stdout gets exactly one line, the bootstrap servers, so scripts can capture it.
/// </summary>
internal static class BrokerCommand
{
    public const string Name = "broker";

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
            Description = "Topics to create up front: name:partitions[:replication][:compact],... (compact: cleanup.policy=compact, as the aggregate changelog needs; embedded broker only).",
        };
        var kind = BrokerKindOption.Create();
        var dataDir = new Option<DirectoryInfo?>("--data-dir")
        {
            Description = "embedded broker only: keep topics, records and committed offsets in this directory and load them at start.",
        };
        var port = new Option<string?>("--port")
        {
            Description = "embedded broker only: listen on fixed ports so a restarted broker comes back where clients expect it: P (brokers on P..P+N-1) or P1,P2,... (one per broker). Default: free ports, new at each start.",
        };
        var fsync = new Option<FsyncMode>("--fsync")
        {
            Description = "with --data-dir: when written data is forced to the disk: never (default; a killed process loses nothing, a power cut may), interval (every second), always (before each acknowledgement).",
            DefaultValueFactory = _ => FsyncMode.Never,
        };
        var security = new BrokerSecurityOptions();
        var command = new Command(Name, "Run an embedded Kafka-protocol cluster until Ctrl-C.")
        {
            brokers, bootstrapFile, topics, kind, dataDir, port, fsync,
        };
        foreach (var option in security.All) command.Options.Add(option);
        command.SetAction(async (parseResult, ct) =>
        {
            var brokerCount = parseResult.GetValue(brokers);
            IReadOnlyList<TopicRequest> requested;
            IReadOnlyList<int>? ports;
            BrokerSecurityOptions.Settings secured;
            try
            {
                secured = security.Parse(parseResult, Environment.GetEnvironmentVariable);
                if (secured.Any && parseResult.GetValue(kind) != BrokerKind.Embedded)
                    throw new FormatException("--security-protocol needs --broker embedded (the mock has no TLS or SASL).");
                ports = ParsePorts(parseResult.GetValue(port), brokerCount);
                if (ports is not null && parseResult.GetValue(kind) != BrokerKind.Embedded)
                    throw new FormatException("--port needs --broker embedded (the mock picks its own ports).");
                if (parseResult.GetValue(fsync) != FsyncMode.Never && parseResult.GetValue(dataDir) is null)
                    throw new FormatException("--fsync needs --data-dir (without it nothing is written to disk).");
                if (brokerCount < 1) throw new FormatException("--brokers must be at least 1.");
                if (parseResult.GetValue(dataDir) is not null && parseResult.GetValue(kind) != BrokerKind.Embedded)
                    throw new FormatException("--data-dir needs --broker embedded (the mock keeps nothing on disk).");
                requested = ParseTopics(parseResult.GetValue(topics));
                if (requested.FirstOrDefault(t => t.Replication > brokerCount) is { Name: not null } tooMany)
                    throw new FormatException($"--topics: '{tooMany.Name}' asks for replication {tooMany.Replication} with {brokerCount} broker(s).");
                if (parseResult.GetValue(kind) != BrokerKind.Embedded && requested.FirstOrDefault(t => t.Compact) is { Name: not null } compacted)
                    throw new FormatException($"--topics: '{compacted.Name}' is compacted, which needs --broker embedded (librdkafka's mock never compacts).");
            }
            catch (FormatException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
            var native = new KafkaBrokerOptions
            {
                DataDirectory = parseResult.GetValue(dataDir)?.FullName,
                Fsync = parseResult.GetValue(fsync),
                Listeners = ports is null && !secured.Any ? null
                    : (ports ?? Enumerable.Repeat(0, brokerCount).ToList()).Select(p => new BrokerListenerOptions(p, secured.Protocol)).ToList(),
                TlsCertificate = secured.Certificate,
                SaslUsers = secured.Users,
                SaslMechanisms = secured.Mechanisms,
            };
            return await RunAsync(parseResult.GetValue(kind), native, brokerCount, parseResult.GetValue(bootstrapFile), requested, ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(BrokerKind kind, KafkaBrokerOptions native, int brokerCount, FileInfo? bootstrapFile,
        IReadOnlyList<TopicRequest> topics, CancellationToken ct)
    {
        // Every stop signal, however many and whenever they come (during start, while the cluster is disposed, after this
        // method returned), only asks for the stop: System.CommandLine's own handler is off for this verb (Program.cs), the
        // token source is never disposed (so cancelling it never throws) and the registrations stay for the life of the
        // process (a GC handle keeps them from being finalized, which would unregister them), so no signal ends the
        // process with another exit code.
        var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        foreach (var signal in (PosixSignal[])[PosixSignal.SIGTERM, PosixSignal.SIGINT])
            GCHandle.Alloc(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true; // we shut down ourselves, after disposing the cluster
                stop.Cancel();
            }));

        using var logs = ContactCenter.Processor.Hosting.Logs.Create();
        var logger = logs.CreateLogger("ContactCenter.Broker");
        LocalKafka broker;
        try
        {
            broker = kind == BrokerKind.Embedded ? LocalKafka.StartEmbedded(brokerCount, native, logger) : LocalKafka.Start(kind, brokerCount, logger: logger);
        }
        catch (InvalidOperationException e) // a fixed port taken
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        using var _ = broker;
        foreach (var topic in topics)
            broker.CreateTopic(topic.Name, topic.Partitions, topic.Replication, topic.Compact ? CompactConfig : null);

        // File first: whoever has read the stdout line can rely on the file being there too.
        if (bootstrapFile is not null) await WriteAtomicallyAsync(bootstrapFile, broker.BootstrapServers);
        Console.Out.WriteLine(broker.BootstrapServers);
        await Console.Out.FlushAsync(CancellationToken.None);
        Console.Error.WriteLine(
            $"Embedded Kafka: {broker.Description}" +
            (topics.Count == 0 ? "" : ", topics " + string.Join(", ", topics.Select(t => $"{t.Name}({t.Partitions})"))) +
            (native.Listeners is { } listeners && listeners[0].Protocol != ListenerProtocol.Plaintext ? $", {Describe(native)}" : "") +
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
    }

    /// <summary>The listeners' security in one phrase: protocol, mechanisms and a count of users (never a name or password).</summary>
    private static string Describe(KafkaBrokerOptions native) =>
        new BrokerSecurityOptions.Settings(native.Listeners![0].Protocol, native.SaslMechanisms, native.SaslUsers, native.TlsCertificate).Describe();

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

    /// <summary>
    /// Parses <c>--port</c>: <c>P</c> gives brokers P..P+N-1, <c>P1,P2,...</c> one port per broker; null when not given.
    /// Throws <see cref="FormatException"/> with a readable message.
    /// </summary>
    internal static IReadOnlyList<int>? ParsePorts(string? spec, int brokers)
    {
        if (string.IsNullOrWhiteSpace(spec)) return null;
        var parts = spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var ports = new List<int>();
        foreach (var part in parts)
        {
            if (!int.TryParse(part, out var p) || p is < 1 or > 65535)
                throw new FormatException($"--port: '{part}' is not a port (1-65535).");
            ports.Add(p);
        }
        if (ports.Count == 1)
        {
            if (ports[0] + brokers - 1 > 65535) throw new FormatException($"--port: {ports[0]}..{ports[0] + brokers - 1} runs past 65535.");
            return Enumerable.Range(ports[0], brokers).ToList();
        }
        if (ports.Count != brokers) throw new FormatException($"--port: {ports.Count} ports for {brokers} broker(s); give one port, or one per broker.");
        if (ports.Distinct().Count() != ports.Count) throw new FormatException("--port: a port is listed twice.");
        return ports;
    }

    internal readonly record struct TopicRequest(string Name, int Partitions, int Replication, bool Compact = false);

    private static readonly IReadOnlyDictionary<string, string> CompactConfig = new Dictionary<string, string> { ["cleanup.policy"] = "compact" };

    /// <summary>Parses <c>name:partitions[:replication][:compact],...</c>; throws <see cref="FormatException"/> with a
    /// readable message.</summary>
    internal static IReadOnlyList<TopicRequest> ParseTopics(string? spec)
    {
        if (string.IsNullOrWhiteSpace(spec)) return [];
        var result = new List<TopicRequest>();
        foreach (var item in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = item.Split(':').ToList();
            var compact = parts.Count > 2 && parts[^1] == "compact";
            if (compact) parts.RemoveAt(parts.Count - 1);
            if (parts.Count is < 2 or > 3 || parts[0].Length == 0
                || !int.TryParse(parts[1], out var partitions) || partitions < 1)
                throw new FormatException($"--topics: '{item}' is not name:partitions[:replication][:compact] with partitions >= 1.");
            var replication = 1;
            if (parts.Count == 3 && (!int.TryParse(parts[2], out replication) || replication < 1))
                throw new FormatException($"--topics: '{item}' has an invalid replication factor (a number, or 'compact' last).");
            result.Add(new TopicRequest(parts[0], partitions, replication, compact));
        }
        return result;
    }
}
