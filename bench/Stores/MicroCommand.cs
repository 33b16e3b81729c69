namespace ContactCenter.Bench.Stores;

internal static class MicroCommand
{
    public static int Run(IReadOnlyList<string> args)
    {
        Console.Error.WriteLine("micro: not implemented yet");
        return 2;
    }
}
