using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace ContactCenter.Topology.Files;

/// <summary>
/// Turns the bytes of a topology or fixture file into text. Files are UTF-8 (a leading byte order mark is
/// allowed and dropped); anything else is an error naming the byte offset, never silently replaced with U+FFFD.
/// The size limit counts bytes, as documented.
/// </summary>
internal static class SourceText
{
    /// <summary>Largest file read, in bytes (docs/topologies.md: "files over 4 MiB").</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    /// <summary>The text of <paramref name="bytes"/>, or null with a diagnostic when they are too large or not UTF-8.</summary>
    public static string? Decode(ReadOnlySpan<byte> bytes, DiagnosticBag diags)
    {
        if (bytes.Length > MaxBytes)
        {
            diags.Error(Pos.Start, TooLarge(bytes.Length));
            return null;
        }
        var offset = 0;
        if (bytes.StartsWith(Utf8Bom)) offset = Utf8Bom.Length;
        else if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            diags.Error(Pos.Start, "file is not valid UTF-8: it starts with a UTF-16 byte order mark at byte offset 0; save it as UTF-8");
            return null;
        }
        var body = bytes[offset..];
        var chars = new char[body.Length];
        var status = Utf8.ToUtf16(body, chars, out var read, out var written, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
        {
            var bad = offset + read;
            var pos = PositionOf(chars.AsSpan(0, written));
            diags.Error(pos, $"file is not valid UTF-8: byte 0x{bytes[bad]:X2} at byte offset {bad} does not start a valid UTF-8 sequence; save the file as UTF-8");
            return null;
        }
        return new string(chars, 0, written);
    }

    /// <summary>The message for a file of <paramref name="bytes"/> bytes over the limit.</summary>
    public static string TooLarge(long bytes) =>
        $"file is {bytes} bytes, larger than the limit of {MaxBytes} bytes ({MaxBytes / (1024 * 1024)} MiB)";

    /// <summary>Reads a file's bytes, refusing (with a diagnostic) one over the limit before reading it.</summary>
    public static string? ReadFile(string path, DiagnosticBag diags)
    {
        byte[] bytes;
        try
        {
            var length = new FileInfo(path).Length;
            if (length > MaxBytes)
            {
                diags.Error(Pos.Start, TooLarge(length));
                return null;
            }
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            diags.Error(Pos.Start, $"cannot read file: {ex.Message}");
            return null;
        }
        return Decode(bytes, diags);
    }

    /// <summary>Reads at most one byte more than the limit from a stream (stdin), then decodes it.</summary>
    public static string? ReadStream(Stream stream, DiagnosticBag diags)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            buffer.Write(chunk, 0, n);
            if (buffer.Length > MaxBytes)
            {
                diags.Error(Pos.Start, $"input is larger than the limit of {MaxBytes} bytes ({MaxBytes / (1024 * 1024)} MiB)");
                return null;
            }
        }
        return Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), diags);
    }

    /// <summary>The 1-based line and column just after <paramref name="text"/>.</summary>
    private static Pos PositionOf(ReadOnlySpan<char> text)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n') { line++; lineStart = i + 1; }
        }
        return new Pos(line, text.Length - lineStart + 1);
    }

    /// <summary>Size of text once written as UTF-8 (for text that did not come from bytes).</summary>
    public static int ByteCount(string text) => Encoding.UTF8.GetByteCount(text);
}
