namespace ContactCenter.Broker.Handlers;

/// <summary>Kafka's rule for topic names: 1-249 characters of [a-zA-Z0-9._-], not "." or "..".</summary>
internal static class TopicNames
{
    public static string? Validate(string name)
    {
        if (name.Length is 0 or > 249) return "Topic name must have 1 to 249 characters";
        if (name is "." or "..") return "Topic name cannot be '.' or '..'";
        foreach (var c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
                return $"Topic name '{name}' contains '{c}': only ASCII letters, digits, '.', '_' and '-' are allowed";
        return null;
    }
}
