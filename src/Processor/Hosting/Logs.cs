using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace ContactCenter.Processor.Hosting;

/// <summary>
/// The one logger factory a process passes to everything it hosts: one line per event on stderr (stdout stays for
/// results such as <c>ready</c> and <c>--json</c> summaries), UTC timestamps. Streamiz chatter below
/// <paramref name="streamizMinimum"/> (warning by default) is left out. A pod gets the same rules through
/// <see cref="Configure"/> on its host's logging builder, so the host's factory is that one factory.
/// </summary>
internal static class Logs
{
    public static ILoggerFactory Create(LogLevel minimum = LogLevel.Information, LogLevel streamizMinimum = LogLevel.Warning) =>
        LoggerFactory.Create(builder => Configure(builder, minimum, streamizMinimum));

    public static void Configure(ILoggingBuilder builder, LogLevel minimum = LogLevel.Information, LogLevel streamizMinimum = LogLevel.Warning)
    {
        builder.ClearProviders();
        builder.SetMinimumLevel(minimum);
        builder.AddFilter("Streamiz", streamizMinimum);
        // ASP.NET Core's per-request lines would drown the stages' own at every probe.
        builder.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.UseUtcTimestamp = true;
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        builder.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
    }
}
