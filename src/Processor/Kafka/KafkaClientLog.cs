using Confluent.Kafka;
using ContactCenter.Processor.Logging;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Processor.Kafka;

/// <summary>
/// Where a Kafka client's own log lines and errors go: the process's logger, each kind of line at most once per
/// <see cref="RepeatInterval"/> with a count. Without it librdkafka writes every line to stderr itself: a broker that
/// refuses connections is a line per client every few tens of milliseconds, thousands a minute, unthrottled and in
/// another format than the rest of the log.
/// </summary>
/// <remarks>librdkafka calls these from its own threads, also while a client is being disposed: the handlers only count
/// and hand a line to the logger, and a logger that was disposed meanwhile is ignored.</remarks>
internal sealed class KafkaClientLog
{
    /// <summary>How often the same kind of client line is written.</summary>
    public static readonly TimeSpan RepeatInterval = TimeSpan.FromSeconds(30);

    private readonly ILogger _logger;

    public KafkaClientLog(ILogger logger) =>
        _logger = new RepeatLimitedLogger(logger, new IntervalLog(RepeatInterval), RepeatInterval);

    /// <summary>A client's log line (librdkafka's syslog levels: 3 error, 4 warning, 6 info, 7 debug).</summary>
    public void OnLog(LogMessage message)
    {
        var level = LevelOf(message.Level);
        if (Enabled(level))
            Guarded(() => _logger.Log(level, "Kafka client {Client}: {Facility} {Message}", message.Name, message.Facility, message.Message));
    }

    /// <summary>A client's error: a fatal one is an error, the rest (the client retries them) warnings.</summary>
    public void OnError(string client, Error error)
    {
        var level = error.IsFatal ? LogLevel.Error : LogLevel.Warning;
        if (Enabled(level))
            Guarded(() => _logger.Log(level, "Kafka client {Client}: {Reason}", client, error.Reason));
    }

    private bool Enabled(LogLevel level)
    {
        try
        {
            return _logger.IsEnabled(level);
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    private static void Guarded(Action write)
    {
        try
        {
            write();
        }
        catch (ObjectDisposedException)
        {
            // The host's logging closed while a client was still shutting down: nothing left to write to.
        }
    }

    internal static LogLevel LevelOf(SyslogLevel level) => level switch
    {
        <= SyslogLevel.Critical => LogLevel.Critical,
        SyslogLevel.Error => LogLevel.Warning,
        SyslogLevel.Warning => LogLevel.Warning,
        SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
        _ => LogLevel.Debug,
    };
}

/// <summary>Hands a client's log lines and errors to a <see cref="KafkaClientLog"/> instead of stderr.</summary>
internal static class KafkaClientLogBuilders
{
    public static ConsumerBuilder<TKey, TValue> LogTo<TKey, TValue>(this ConsumerBuilder<TKey, TValue> builder, KafkaClientLog log) =>
        builder.SetLogHandler((_, message) => log.OnLog(message)).SetErrorHandler((client, error) => log.OnError(client.Name, error));

    /// <summary>Only the log lines: for a consumer whose errors its owner handles itself.</summary>
    public static ConsumerBuilder<TKey, TValue> LogLinesTo<TKey, TValue>(this ConsumerBuilder<TKey, TValue> builder, KafkaClientLog log) =>
        builder.SetLogHandler((_, message) => log.OnLog(message));

    public static ProducerBuilder<TKey, TValue> LogTo<TKey, TValue>(this ProducerBuilder<TKey, TValue> builder, KafkaClientLog log) =>
        builder.SetLogHandler((_, message) => log.OnLog(message)).SetErrorHandler((client, error) => log.OnError(client.Name, error));

    public static AdminClientBuilder LogTo(this AdminClientBuilder builder, KafkaClientLog log) =>
        builder.SetLogHandler((_, message) => log.OnLog(message)).SetErrorHandler((client, error) => log.OnError(client.Name, error));
}
