using ContactCenter.Stores.Streamiz;
using System.Reflection;
using Confluent.Kafka;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Metrics;
using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.Processors.Internal;
using Streamiz.Kafka.Net.State;

namespace ContactCenter.Testing;

/// <summary>
/// A Streamiz task's state side without a broker: a genuine <see cref="ProcessorContext"/> backed by
/// Streamiz's own ProcessorStateManager and <see cref="OffsetCheckpointFile"/>, so stores can be
/// initialised, committed (flush, then .checkpoint) and restored exactly as a stream thread does it.
/// Streamiz builds these internally; its own tests reach them through InternalsVisibleTo, we use
/// reflection. Tests and benchmarks only: this library is never referenced by src/.
/// </summary>
public sealed class StandaloneStreamizTask : IDisposable
{
    private const BindingFlags Any = StreamizInternals.Any;
    private static readonly Assembly Streamiz = typeof(ProcessorContext).Assembly;

    private readonly object stateManager;
    private readonly Type stateManagerType;

    /// <param name="stateDir">Streamiz state.dir.</param>
    /// <param name="applicationId">application.id (part of the task directory and changelog names).</param>
    /// <param name="partition">Task partition (task id 0_partition).</param>
    /// <param name="changelogTopics">store name -> changelog topic, for the stores that are logged.</param>
    /// <param name="guarantee">processing.guarantee the stores see in their context.</param>
    public StandaloneStreamizTask(string stateDir, string applicationId, int partition, IReadOnlyDictionary<string, string>? changelogTopics = null,
        ProcessingGuarantee guarantee = ProcessingGuarantee.AT_LEAST_ONCE)
    {
        var config = new StreamConfig { ApplicationId = applicationId, StateDir = stateDir, Guarantee = guarantee };
        TaskId = new TaskId { Id = 0, Partition = partition };
        var task = Type("Streamiz.Kafka.Net.Processors.Internal.UnassignedStreamTask")
            .GetMethod("Create", Any, [typeof(TaskId)])!.Invoke(null, [TaskId])!;
        var register = Activator.CreateInstance(Type("Streamiz.Kafka.Net.Mock.MockChangelogRegister"), nonPublic: true)!;
        var checkpointFile = new OffsetCheckpointFile(Path.Combine(stateDir, applicationId, TaskId.ToString()));
        stateManagerType = Type("Streamiz.Kafka.Net.Processors.Internal.ProcessorStateManager");
        stateManager = stateManagerType.GetConstructors(Any).Single(c => c.GetParameters().Length == 5).Invoke(
        [
            TaskId,
            new List<TopicPartition>(),
            changelogTopics?.ToDictionary() ?? new Dictionary<string, string>(),
            register,
            checkpointFile,
        ]);
        var metrics = Activator.CreateInstance(typeof(StreamMetricsRegistry), nonPublic: true)!;
        Context = (ProcessorContext)typeof(ProcessorContext)
            .GetConstructors(Any).Single(c => c.GetParameters().Length == 4)
            .Invoke([task, config, stateManager, metrics]);
    }

    public TaskId TaskId { get; }

    /// <summary>
    /// Routes Streamiz's own logging (normally set by KafkaStream from StreamConfig.Logger) to
    /// <paramref name="factory"/>: loggers are created when tasks are, so call this first.
    /// </summary>
    public static void UseLoggerFactory(Microsoft.Extensions.Logging.ILoggerFactory factory) =>
        typeof(Streamiz.Kafka.Net.Crosscutting.Logger).GetProperty("LoggerFactory", Any)!.SetValue(null, factory);

    public ProcessorContext Context { get; }

    /// <summary>Directory of the task (holds Streamiz's .checkpoint).</summary>
    public string TaskDirectory => Context.StateDir;

    /// <summary>
    /// Streamiz's commit-time checkpoint (AbstractTask.WriteCheckpoint): take the offsets the record
    /// collector wrote (offset of the last record per changelog partition), flush every store, then write .checkpoint.
    /// </summary>
    public void Commit(IDictionary<TopicPartition, long> lastWrittenOffsets)
    {
        Call("UpdateChangelogOffsets", lastWrittenOffsets);
        Call("Flush");
        Call("Checkpoint");
    }

    /// <summary>What a task does after initialising its stores: load the changelog offsets from .checkpoint.</summary>
    public void InitializeOffsetsFromCheckpoint() => Call("InitializeOffsetsFromCheckpoint");

    /// <summary>The offset the restore consumer would seek to for this changelog partition (null = beginning).</summary>
    public long? RestoreStartOffset(TopicPartition changelog)
    {
        var metadata = Call("GetStoreMetadata", changelog) ?? throw new InvalidOperationException($"{changelog} is not registered");
        return (long?)metadata.GetType().GetField("Offset", Any)!.GetValue(metadata);
    }

    /// <summary>Feeds changelog records through Streamiz's restore path (record converter + the store's callback).</summary>
    public void Restore(TopicPartition changelog, IEnumerable<ConsumeResult<byte[], byte[]>> records)
    {
        var metadata = Call("GetStoreMetadata", changelog) ?? throw new InvalidOperationException($"{changelog} is not registered");
        Call("Restore", metadata, records);
    }

    /// <summary>A changelog record as the restore consumer would hand it over.</summary>
    public static ConsumeResult<byte[], byte[]> ChangelogRecord(TopicPartition tp, long offset, byte[] key, byte[]? value) => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset(tp, new Offset(offset)),
        Message = new Message<byte[], byte[]> { Key = key, Value = value!, Timestamp = new Timestamp(0, TimestampType.CreateTime), Headers = [] },
    };

    /// <summary>Closes the state manager, which closes every registered store.</summary>
    public void Dispose() => Call("Close");

    private object? Call(string method, params object?[] args)
    {
        try
        {
            return stateManagerType.GetMethods(Any).Single(m => m.Name == method && m.GetParameters().Length == args.Length).Invoke(stateManager, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    private static Type Type(string name) => Streamiz.GetType(name, throwOnError: true)!;
}
