using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace ContactCenter.Processor.Hosting;

/// <summary>
/// The one logger factory a process passes to everything it hosts: one line per event on stderr (stdout stays for
/// results such as <c>ready</c> and <c>--json</c> summaries), UTC timestamps. Streamiz and librdkafka chatter below
/// warning is left out.
/// </summary>
internal static class Logs
{
    public static ILoggerFactory Create(LogLevel minimum = LogLevel.Information) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(minimum);
        builder.AddFilter("Streamiz", LogLevel.Warning);
        builder.AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.UseUtcTimestamp = true;
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        builder.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
    });
}
