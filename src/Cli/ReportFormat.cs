using System.CommandLine;

namespace ContactCenter.Cli;

/// <summary>The <c>--format</c> option of the verbs whose output machines read (CI systems, editors).</summary>
internal static class ReportFormat
{
    public const string Text = "text";
    public const string Json = "json";
    public const string Sarif = "sarif";

    public static Option<string> Option(params string[] formats)
    {
        var option = new Option<string>("--format")
        {
            Description = $"Output format: {string.Join(", ", formats)}.",
            DefaultValueFactory = _ => Text,
        };
        option.AcceptOnlyFromAmong(formats);
        return option;
    }
}
