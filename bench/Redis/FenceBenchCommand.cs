using ContactCenter.Bench.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ContactCenter.Processor.Hosting;
using ContactCenter.Stores.Redis;
using StackExchange.Redis;
using ContactCenter.Sandbox.Redis;

namespace ContactCenter.Bench.Redis;

/// <summary>
/// <c>bench fence</c>: fenced agent-state writes per second through <see cref="FencedStateWriter"/> against a plain
/// pipelined HSET of the same hashes, in the same run, on embedded Garnet and on redis-server (when installed).
/// </summary>
/// <remarks>
/// Each agent hash has 8 fields; a write changes two of them (status and a counter), as an agent state update does.
/// The baseline sends <c>HSET key</c> with all fields and the fence fields, pipelined in batches of the writer's size
/// with one batch in flight, exactly as the writer loop runs. Three fenced workloads:
/// <c>distinct</c> (every write of a batch is another agent: nothing to coalesce, the script's own cost),
/// <c>burst</c> (3 writes per agent in a row, as bulk provisioning sends them: the writer keeps the newest).
/// Rounds alternate baseline and fenced; the best round of each counts. The last stdout line is JSON. Fenced writes carry
/// per-part versions (<c>_v</c>) as the state stage's do; <c>--no-part-versions</c> leaves them out, to see what they cost.
/// </remarks>
internal static class FenceBenchCommand
{
    private const int Fields = 8;
    private const int Partitions = 6;

    public static Task<int> RunAsync(string[] args) =>
        BenchRuns.RepeatAsync("fence", BenchRuns.Count(args), _ =>
        {
            var calibration = ReferenceWorkload.Measure();
            return Task.FromResult(new RunOutcome(RunOnce(args), true, ReferenceWorkload.Name, calibration));
        });

    private static Dictionary<string, double> RunOnce(string[] args)
    {
        var quick = args.Contains("--quick");
        var perCall = args.SkipWhile(a => a != "--writes-per-call").Skip(1).FirstOrDefault() is { } n
            ? int.Parse(n, CultureInfo.InvariantCulture) : new FencedWriterOptions().WritesPerCall;
        var backends = args.SkipWhile(a => a != "--backend").Skip(1).FirstOrDefault() ?? "both";
        var writes = quick ? 100_000 : 400_000;
        var agents = quick ? 20_000 : 50_000;
        var rounds = quick ? 2 : 3;
        var results = new List<Dictionary<string, object>>();
        var options = new FencedWriterOptions { WritesPerCall = perCall };
        var partVersions = !args.Contains("--no-part-versions");
        if (backends is "both" or "garnet")
        {
            using var garnet = EmbeddedGarnet.Start();
            results.Add(RunBackend("garnet", garnet.Endpoint, writes, agents, rounds, options, partVersions));
        }
        if (backends is not ("both" or "redis"))
            Console.WriteLine("redis-server skipped (--backend garnet)");
        else if (RedisServer.TryStart() is { } redis)
        {
            using (redis)
                results.Add(RunBackend("redis-server", redis.Endpoint, writes, agents, rounds, options, partVersions));
        }
        else
        {
            Console.WriteLine("redis-server not installed: Garnet only");
        }
        var best = results.MaxBy(r => (double)r["distinctPerSecond"])!;
        // Every backend's figures on stderr; the best backend's are the run's figures.
        Console.Error.WriteLine(JsonSerializer.Serialize(results));
        Console.Error.WriteLine($"fence: best backend {best["backend"]}");
        return new Dictionary<string, double>
        {
            ["fencedWritesPerSecond"] = Convert.ToDouble(best["distinctPerSecond"]),
            ["burstWritesPerSecond"] = Convert.ToDouble(best["burstPerSecond"]),
            ["hsetPerSecond"] = Convert.ToDouble(best["hsetPerSecond"]),
            ["ratioToHset"] = Convert.ToDouble(best["distinctRatio"]),
            ["countedWritesPerSecond"] = Convert.ToDouble(best["countedPerSecond"]),
            ["countedRatio"] = Convert.ToDouble(best["countedRatio"]),
        };
    }

    private static Dictionary<string, object> RunBackend(string name, string endpoint, int writes, int agents, int rounds, FencedWriterOptions options,
        bool partVersions)
    {
        using var redis = RedisConnector.ConnectAsync(endpoint, o => o.AllowAdmin = true).GetAwaiter().GetResult();
        var db = redis.GetDatabase();
        var ns = name + "-" + Guid.NewGuid().ToString("N")[..8];
        double hset = 0, distinct = 0, burst = 0, counted = 0;
        long offset = 0;
        for (var round = 0; round < rounds; round++)
        {
            hset = Math.Max(hset, Hset(db, $"{ns}:h{round}", writes, agents));
            distinct = Math.Max(distinct, Fenced(redis, $"{ns}:d{round}", writes, i => (i % agents, 1), options, partVersions, ref offset));
            burst = Math.Max(burst, Fenced(redis, $"{ns}:b{round}", writes, i => (i / 3 % agents, 3), options, partVersions, ref offset));
            // The same distinct writes keeping a grouped count by the status field, which every write changes (the
            // count's worst case: two HINCRBY per write, plus the mark).
            var countedOptions = options with { Upkeep = new AgentTableUpkeep([new GroupCount("status", ["field0"], $"{ns}:count{round}")]) };
            counted = Math.Max(counted, Fenced(redis, $"{ns}:c{round}", writes, i => (i % agents, 1), countedOptions, partVersions, ref offset));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name} round {round + 1}: HSET {hset:N0}/s, fenced distinct {distinct:N0}/s ({distinct / hset:0.00}x), fenced burst {burst:N0}/s ({burst / hset:0.00}x), fenced distinct with a count {counted:N0}/s ({counted / distinct:0.00}x of without)"));
        }
        var commands = CommandStats(db);
        return new Dictionary<string, object>
        {
            ["backend"] = name,
            ["hsetPerSecond"] = Math.Round(hset),
            ["distinctPerSecond"] = Math.Round(distinct),
            ["burstPerSecond"] = Math.Round(burst),
            ["distinctRatio"] = Math.Round(distinct / hset, 3),
            ["burstRatio"] = Math.Round(burst / hset, 3),
            ["countedPerSecond"] = Math.Round(counted),
            ["countedRatio"] = Math.Round(counted / distinct, 3),
            ["evalCalls"] = commands.Eval,
            ["evalshaCalls"] = commands.EvalSha,
            // Server time per script call over the whole run (both workloads): divided by the writes a call carries.
            ["evalshaUsecPerCall"] = commands.UsecPerCall,
            ["writesPerCall"] = options.WritesPerCall,
            ["partVersions"] = partVersions,
        };
    }

    private static KeyValuePair<string, string>[] State(int agent, long version) =>
        Enumerable.Range(0, Fields).Select(f => KeyValuePair.Create($"field{f}", f switch
        {
            0 => (version % 3) switch { 0 => "READY", 1 => "BUSY", _ => "AWAY" },
            1 => version.ToString(CultureInfo.InvariantCulture),
            _ => $"agent-{agent}-value-{f}",
        })).ToArray();

    private static double Hset(IDatabase db, string ns, int writes, int agents)
    {
        const int batchSize = 256;
        var clock = Stopwatch.StartNew();
        for (var from = 0; from < writes; from += batchSize)
        {
            var batch = db.CreateBatch();
            var sent = new Task[Math.Min(batchSize, writes - from)];
            for (var i = 0; i < sent.Length; i++)
            {
                var n = from + i;
                var entries = State(n % agents, n).Select(kv => new HashEntry(kv.Key, kv.Value))
                    .Append(new HashEntry("_p", n % Partitions)).Append(new HashEntry("_o", n)).Append(new HashEntry("_t", n)).ToArray();
                sent[i] = batch.HashSetAsync($"{ns}:{n % agents}", entries);
            }
            batch.Execute();
            Task.WhenAll(sent).GetAwaiter().GetResult();
        }
        return writes / clock.Elapsed.TotalSeconds;
    }

    /// <param name="agentOf">For write i: its agent, and how many writes in a row go to one agent.</param>
    private static double Fenced(IConnectionMultiplexer redis, string ns, int writes, Func<int, (int Agent, int Run)> agentOf,
        FencedWriterOptions options, bool partVersions, ref long offset)
    {
        var first = offset;
        var clock = Stopwatch.StartNew();
        var writer = new FencedStateWriter(redis, ns, options);
        try
        {
            for (var i = 0; i < writes; i++)
            {
                var (agent, run) = agentOf(i);
                // One partition per agent, as a keyed topic has it; offsets rise within each partition.
                var version = i / run * run + i % run;
                var write = new AgentStateWrite($"{ns}:{agent}", agent % Partitions, first + i, State(agent, version), first + i)
                {
                    PartVersions = partVersions ? string.Create(CultureInfo.InvariantCulture, $"agent={version},feature={version / 2},voice={version / 3}") : null,
                };
                var pending = writer.WriteAsync(write);
                if (!pending.IsCompletedSuccessfully)
                    pending.AsTask().GetAwaiter().GetResult();
            }
            writer.FlushAsync().GetAwaiter().GetResult();
        }
        finally
        {
            writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        offset = first + writes;
        return writes / clock.Elapsed.TotalSeconds;
    }

    /// <summary>How often the server ran EVAL and EVALSHA (the script must be sent once, then called by hash).</summary>
    private static (long Eval, long EvalSha, double UsecPerCall) CommandStats(IDatabase db)
    {
        try
        {
            var lines = ((string?)db.Execute("INFO", "commandstats") ?? "").Split('\n', StringSplitOptions.TrimEntries);
            return ((long)Stat(lines, "cmdstat_eval:", "calls"), (long)Stat(lines, "cmdstat_evalsha:", "calls"), Stat(lines, "cmdstat_evalsha:", "usec_per_call"));
        }
        catch (RedisException)
        {
            return (-1, -1, -1);
        }

        // cmdstat_evalsha:calls=4687,usec=...,usec_per_call=123.45,...
        static double Stat(string[] lines, string prefix, string name) =>
            lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) is { } line
                && line[prefix.Length..].Split(',').Select(p => p.Split('=')).FirstOrDefault(p => p[0] == name) is [_, var n]
                ? double.Parse(n, CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>A throwaway redis-server on a free loopback port, without persistence.</summary>
    private sealed class RedisServer : IDisposable
    {
        private readonly Process _process;

        private RedisServer(Process process, int port)
        {
            _process = process;
            Endpoint = $"127.0.0.1:{port}";
        }

        public string Endpoint { get; }

        public static RedisServer? TryStart()
        {
            var port = FreePort();
            Process? process;
            try
            {
                process = Process.Start(new ProcessStartInfo("redis-server", ["--port", port.ToString(CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no"])
                {
                    RedirectStandardOutput = true,
                    UseShellExecute = false,
                });
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return null;
            }
            if (process is null)
                return null;
            process.OutputDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            for (var i = 0; i < 100; i++)
            {
                try
                {
                    using var client = new TcpClient();
                    client.Connect(IPAddress.Loopback, port);
                    return new RedisServer(process, port);
                }
                catch (SocketException)
                {
                    Thread.Sleep(50);
                }
            }
            process.Kill();
            return null;
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        public void Dispose()
        {
            _process.Kill();
            _process.WaitForExit();
            _process.Dispose();
        }
    }
}
