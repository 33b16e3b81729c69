using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Processor.Pipeline;

/// <summary>
/// The logger factory handed to Streamiz. Streamiz keeps the last configured factory in a static field and uses it
/// for every later stream in the process, so it may outlive the host that owned it: once that factory is disposed,
/// loggers come from <see cref="NullLoggerFactory"/> instead of throwing into the next stage being built. Disposing
/// this wrapper never disposes the host's factory.
/// </summary>
internal sealed class StreamizLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName)
    {
        try
        {
            return inner.CreateLogger(categoryName);
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
