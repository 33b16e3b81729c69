using ContactCenter.Processor.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Processor.Pipeline;

/// <summary>
/// The logger factory handed to Streamiz. Streamiz keeps the last configured factory in a static field and uses it
/// for every later stream in the process, so it may outlive the host that owned it: once that factory is disposed,
/// loggers come from <see cref="NullLoggerFactory"/> instead of throwing into the next stage being built. Disposing
/// this wrapper never disposes the host's factory. Streamiz relays every librdkafka error as it comes (a broker that
/// refuses connections: thousands of lines a minute), so its warnings and errors go through
/// <see cref="RepeatLimitedLogger"/>: once per interval per kind of message, with a count.
/// </summary>
internal sealed class StreamizLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    /// <summary>How often the same kind of Streamiz warning or error is written.</summary>
    public static readonly TimeSpan RepeatInterval = TimeSpan.FromSeconds(30);

    private readonly IntervalLog _repeats = new(RepeatInterval);

    public ILogger CreateLogger(string categoryName)
    {
        try
        {
            return new RepeatLimitedLogger(inner.CreateLogger(categoryName), _repeats, RepeatInterval);
        }
        catch (ObjectDisposedException)
        {
            return NullLogger.Instance;
        }
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose()
    {
    }
}
