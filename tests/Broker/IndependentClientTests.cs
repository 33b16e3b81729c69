using System.Diagnostics;
using System.Text.Json;
using ContactCenter.Broker;
using ContactCenter.Tests.Support;

namespace ContactCenter.Tests.Broker;

/// <summary>
/// The broker driven by clients that share no code with librdkafka: kafkajs (npm, pinned in
/// tests/Broker/Clients/node) and kafka-python (Debian's python3-kafka), both installed by
/// scripts/install-test-deps.sh. Each scenario script (tests/Broker/Clients/*) prints what it observed as JSON.
/// A missing runtime or library fails the test with what to install: nothing is skipped.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class IndependentClientTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly KafkaBroker _broker = KafkaBroker.Start(3);

    public void Dispose() => _broker.Dispose();

    public static TheoryData<string> Clients => new() { "kafkajs", "kafka-python" };

    private static string ClientsDir => Repo.File("tests/Broker/Clients");

    private async Task<JsonElement> RunAsync(string client, string scenario)
    {
        ProcessStartInfo info;
        if (client == "kafkajs")
        {
            var dir = Path.Combine(ClientsDir, "node");
            Assert.True(Which("node") is not null, "node is not installed: run scripts/install-test-deps.sh (Debian package nodejs)");
            Assert.True(Directory.Exists(Path.Combine(dir, "node_modules", "kafkajs")),
                $"kafkajs is not installed in {dir}: run scripts/install-test-deps.sh (npm ci there)");
            info = new ProcessStartInfo(Which("node")!) { WorkingDirectory = dir };
            info.ArgumentList.Add("conformance.js");
        }
        else
        {
            // Debian's python3 is the one python3-kafka installs into (a python3 earlier on PATH may be another).
            var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : Which("python3");
            Assert.True(python is not null, "python3 is not installed: run scripts/install-test-deps.sh (Debian packages python3, python3-kafka)");
            info = new ProcessStartInfo(python!) { WorkingDirectory = Path.Combine(ClientsDir, "python") };
            info.ArgumentList.Add("conformance.py");
        }
        info.ArgumentList.Add(_broker.BootstrapServers);
        info.ArgumentList.Add(scenario);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(Deadline);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        var error = await stderr;
        Assert.True(error.Contains("No module named 'kafka'", StringComparison.Ordinal) is false,
            "kafka-python is not installed: run scripts/install-test-deps.sh (Debian package python3-kafka)");
        Assert.True(process.ExitCode == 0, $"{client} {scenario} exited {process.ExitCode}: {error}");
        return JsonDocument.Parse(await stdout).RootElement;
    }

    private static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists);

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Produce_with_gzip_and_consume_in_a_group_with_commits(string client)
    {
        var result = await RunAsync(client, "groups");
        var values = result.GetProperty("values").EnumerateArray().Select(v => v.GetString()).ToList();
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"v{i}").Order(StringComparer.Ordinal), values);
        Assert.True(result.GetProperty("keysOnOnePartition").GetBoolean(), "every key stays on one partition");
        Assert.Equal(30, result.GetProperty("committedTotal").GetInt64());
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Admin_creates_describes_alters_grows_and_deletes(string client)
    {
        var result = await RunAsync(client, "admin");
        Assert.Equal("3600000", result.GetProperty("retentionBefore").GetString());
        Assert.Equal("604800000", result.GetProperty("retentionAfter").GetString()); // AlterConfigs replaces the whole set
        Assert.Equal("compact", result.GetProperty("cleanupAfter").GetString());
        Assert.Equal(4, result.GetProperty("partitions").GetInt32());
        Assert.Equal(1, result.GetProperty("groupListedBeforeDelete").GetInt32()); // once, though 3 brokers answer
        Assert.Equal(0, result.GetProperty("groupListedAfterDelete").GetInt32());
        if (client == "kafkajs")
        {
            var partition0 = result.GetProperty("partition0");
            Assert.Equal("6", partition0.GetProperty("low").GetString()); // DeleteRecords moved the log start
            Assert.Equal("10", partition0.GetProperty("high").GetString());
        }
        else
        {
            Assert.Equal(["NoError"], result.GetProperty("deleteErrors").EnumerateArray().Select(e => e.GetString()));
        }
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Offsets_by_time_inside_a_gzip_batch(string client)
    {
        var result = await RunAsync(client, "times");
        long Offset(string name) => result.GetProperty(name) is { ValueKind: JsonValueKind.String } s ? long.Parse(s.GetString()!) : result.GetProperty(name).GetInt64();
        Assert.Equal(5, Offset("at5000"));
        Assert.Equal(5, Offset("at4500"));
        Assert.Equal(0, Offset("beforeAll"));
    }
}
