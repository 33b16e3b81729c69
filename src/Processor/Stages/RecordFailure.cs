namespace ContactCenter.Processor.Stages;

/// <summary>Turns an exception thrown while processing one record into a dead-letter reason.</summary>
internal static class RecordFailure
{
    /// <summary><c>processing failed: Type: message</c>, the message cut to 300 characters.</summary>
    public static string Describe(Exception error)
    {
        var message = error.Message.ReplaceLineEndings(" ");
        if (message.Length > 300) message = message[..300] + "...";
        return $"processing failed: {error.GetType().Name}: {message}";
    }
}
