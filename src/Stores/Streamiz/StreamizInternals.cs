using System.Reflection;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Processors;

namespace ContactCenter.Stores.Streamiz;

/// <summary>
/// The few Streamiz 1.8.2 members a store needs that Streamiz keeps internal, reached by reflection
/// once per store open (never on a hot path), each with a documented fallback.
/// </summary>
internal static class StreamizInternals
{
    internal const BindingFlags Any = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;

    private static readonly MethodInfo? ChangelogFor = typeof(ProcessorContext).GetMethod("ChangelogFor", Any, [typeof(string)]);
    private static readonly PropertyInfo? States = typeof(ProcessorContext).GetProperty("States", Any);
    private static readonly PropertyInfo? Configuration = typeof(ProcessorContext).GetProperty("Configuration", Any);

    /// <summary>
    /// Whether the task runs with <c>processing.guarantee</c> exactly-once. When the internal configuration cannot be
    /// read the answer is yes: the store then trusts only checkpoints written by a clean close, which is correct under
    /// either guarantee (at-least-once merely restores more after a crash).
    /// </summary>
    public static bool IsExactlyOnce(ProcessorContext context) =>
        Configuration?.GetValue(context) is not IStreamConfig config || config.Guarantee == ProcessingGuarantee.EXACTLY_ONCE;

    /// <summary>
    /// The changelog topic Streamiz restores this store from, or null when the store is not logged.
    /// Falls back to Streamiz's naming convention (<c>{application.id}-{store}-changelog</c>) when the
    /// internal lookup is unavailable.
    /// </summary>
    public static string? ChangelogTopicFor(ProcessorContext context, string storeName)
    {
        try
        {
            if (ChangelogFor is not null && States?.GetValue(context) is not null)
                return (string?)ChangelogFor.Invoke(context, [storeName]);
        }
        catch (TargetInvocationException)
        {
            // fall through to the convention
        }
        return $"{context.ApplicationId}-{storeName}-changelog";
    }
}
