using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace ContactCenter.Processor.Hosting;

/// <summary>
/// The one logger factory a process passes to everything it hosts: one line per event on stderr (stdout stays for
/// results such as <c>ready</c> and <c>--json</c> summaries), UTC timestamps. Streamiz chatter below
/// <paramref name="streamizMinimum"/> (warning by default) is left out.
/// </summary>
internal static class Logs
{
    public static ILoggerFactory Create(LogLevel minimum = LogLevel.Information, LogLevel streamizMinimum = LogLevel.Warning) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(minimum);
        builder.AddFilter("Streamiz", streamizMinimum);
        builder.AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.UseUtcTimestamp = true;
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        builder.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
    });
}
