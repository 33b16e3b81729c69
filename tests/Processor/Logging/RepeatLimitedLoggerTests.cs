using ContactCenter.Processor.Pipeline;
using ContactCenter.Processor.Logging;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Tests.Processor.Logging;

/// <summary>A flood of one Streamiz error becomes one line per interval with its count; other lines pass untouched.</summary>
[Trait("Kind", "Unit")]
public class RepeatLimitedLoggerTests
{
    private sealed class ManualTime : TimeProvider
    {
        private long _ticks = 1;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => _ticks;
        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    private sealed class Recording : ILogger
    {
        public List<(LogLevel Level, string Text)> Lines { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((logLevel, formatter(state, exception)));
    }

    [Fact]
    public void Repeats_of_one_condition_are_written_once_per_interval_with_their_count()
    {
        var time = new ManualTime();
        var recording = new Recording();
        var logger = new RepeatLimitedLogger(recording, new IntervalLog(TimeSpan.FromSeconds(30), time), TimeSpan.FromSeconds(30));
        for (var i = 0; i < 1000; i++)
            logger.LogError("consumer-{N} - 127.0.0.1:{Port}/bootstrap: Connect failed: Connection refused (after {Ms}ms)", i, 35000 + i, i % 7);
        logger.LogInformation("joined the group");
        logger.LogWarning("another condition");
        Assert.Equal(3, recording.Lines.Count);
        time.Advance(TimeSpan.FromSeconds(31));
        logger.LogError("consumer-{N} - 127.0.0.1:{Port}/bootstrap: Connect failed: Connection refused (after {Ms}ms)", 5000, 40000, 1);
        Assert.Equal(4, recording.Lines.Count);
        Assert.Contains("(1000 times in the last 30 s", recording.Lines[3].Text);
    }

    [Fact]
    public void The_kind_of_a_line_leaves_out_its_numbers()
    {
        Assert.Equal(IntervalLog.KindOf("port 35505 after 0ms"), IntervalLog.KindOf("port 41 after 12ms"));
        Assert.NotEqual(IntervalLog.KindOf("Connection refused"), IntervalLog.KindOf("Authentication failed"));
    }
}
