using ContactCenter.Processor.Stages;
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

/// <summary>
/// Writes a warning or error at most once per interval per kind (its text with the numbers taken out: ports, offsets,
/// durations and counters differ between repeats of the same condition), saying how many it stands for. A flood of the
/// same line would otherwise fill the console logger's queue, and every other log call of the process, including a
/// stop's, would wait behind it. Below warning nothing is held back.
/// </summary>
internal sealed class RepeatLimitedLogger(ILogger inner, IntervalLog repeats, TimeSpan interval) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel < LogLevel.Warning || !inner.IsEnabled(logLevel))
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
            return;
        }
        var text = formatter(state, exception);
        if (!repeats.Occurred(IntervalLog.KindOf(text), out var count))
            return;
        if (count <= 1)
            inner.Log(logLevel, eventId, state, exception, formatter);
        else
            inner.Log(logLevel, eventId, exception, "{Message} ({Count} times in the last {Interval} s; this line is written once per interval)",
                text, count, interval.TotalSeconds);
    }
}
