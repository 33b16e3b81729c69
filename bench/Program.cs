using ContactCenter.Bench.Stores;

// Verb dispatcher: one entry per benchmark family; each lives in its own folder.
var verbs = new Dictionary<string, Func<string[], int>>(StringComparer.OrdinalIgnoreCase)
{
    ["stores"] = StoreBenchmark.Run,
    ["micro"] = StoreMicroBenchmarks.Run,
};
if (args.Length == 0 || !verbs.TryGetValue(args[0], out var verb))
{
    Console.Error.WriteLine($"usage: ContactCenter.Bench <{string.Join('|', verbs.Keys)}> [options]");
    return 2;
}
return verb(args[1..]);
