using System.Text;
using Xunit.Abstractions;

namespace ContactCenter.Tests.Support;

/// <summary>A <see cref="TextWriter"/> whose lines go to xunit's test output, for code that logs to a writer.</summary>
internal sealed class TestOutputWriter(ITestOutputHelper output) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_line)
        {
            if (value == '\n')
            {
                output.WriteLine(_line.ToString());
                _line.Clear();
            }
            else if (value != '\r')
            {
                _line.Append(value);
            }
        }
    }
}
