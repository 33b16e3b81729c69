using Confluent.Kafka;

namespace ContactCenter.Processor.Stages;

/// <summary>
/// The dead-letter sink of a topology that is built only to be described and never runs (<c>describe</c>): it
/// discards whatever it is given (and, like every sink, never throws).
/// </summary>
internal sealed class NoDeadLetters : IDeadLetterSink
{
    public static readonly NoDeadLetters Instance = new();

    private NoDeadLetters()
    {
    }

    public void Send(string sourceTopic, int partition, long offset, byte[]? key, byte[]? value, Headers? headers, string reason)
    {
    }
}
