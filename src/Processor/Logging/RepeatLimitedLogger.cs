using Microsoft.Extensions.Logging;

namespace ContactCenter.Processor.Logging;

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
