using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;

namespace ContactCenter.Bench.Common;

/// <summary>
/// A fixed piece of work that stands for the machine's speed in verbs that have no natural floor of their own: per
/// operation, a small JSON document is serialized, parsed back, hashed (SHA-256) and put in a dictionary; the mix
/// exercises the allocator, the GC, branchy code and arithmetic the way the engine does. Timed on one thread for
/// about a second after an untimed warm-up, three times, the best kept (on a shared machine noise only slows it).
/// Results from two machines compare as (figure / calibration).
/// </summary>
internal static class ReferenceWorkload
{
    public const string Name = "referenceOpsPerSecond";
    private const int OpsPerRound = 20_000;

    public static double Measure()
    {
        Round(); // warm-up: JIT and tiered compilation
        var best = 0.0;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var clock = Stopwatch.StartNew();
            var ops = 0;
            while (clock.Elapsed < TimeSpan.FromSeconds(1))
            {
                Round();
                ops += OpsPerRound;
            }
            best = Math.Max(best, ops / clock.Elapsed.TotalSeconds);
        }
        return best;
    }

    private static int Round()
    {
        var table = new Dictionary<string, int>(OpsPerRound);
        Span<byte> hash = stackalloc byte[32];
        for (var i = 0; i < OpsPerRound; i++)
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(new Sample($"agent-{i}", i, i % 7 == 0 ? "AVAILABLE" : "BUSY"));
            var back = JsonSerializer.Deserialize<Sample>(json)!;
            SHA256.HashData(json, hash);
            table[back.Id] = hash[0] + back.Version;
        }
        return table.Count;
    }

    private sealed record Sample(string Id, int Version, string Status);
}
