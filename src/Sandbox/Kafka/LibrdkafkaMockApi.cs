using ContactCenter.Processor.Kafka;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ContactCenter.Sandbox.Kafka;

/// <summary>
/// The slice of librdkafka's C API (rdkafka.h, rdkafka_mock.h) needed to host a mock cluster.
/// The mock API is marked experimental upstream: the signatures here match librdkafka 2.16.
/// </summary>
internal static unsafe partial class LibrdkafkaMockApi
{
    internal const int ProducerType = 0;          // RD_KAFKA_PRODUCER
    internal const int ConfOk = 0;                // RD_KAFKA_CONF_OK
    internal const int NoError = 0;               // RD_KAFKA_RESP_ERR_NO_ERROR
    internal const int TopicAlreadyExists = 36;   // RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS

    static LibrdkafkaMockApi() => LibrdkafkaLocator.EnsureRegistered();

    [LibraryImport(LibrdkafkaLocator.ImportName, EntryPoint = "rd_kafka_version_str")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial IntPtr VersionStr();

    [LibraryImport(LibrdkafkaLocator.ImportName, EntryPoint = "rd_kafka_err2str")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial IntPtr Err2Str(int err);

    [LibraryImport(LibrdkafkaLocator.ImportName, EntryPoint = "rd_kafka_conf_new")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial IntPtr ConfNew();

    [LibraryImport(LibrdkafkaLocator.ImportName, EntryPoint = "rd_kafka_conf_destroy")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial void ConfDestroy(IntPtr conf);

    [LibraryImport(LibrdkafkaLocator.ImportName, EntryPoint = "rd_kafka_conf_set", StringMarshalling = StringMarshalling.Utf8)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int ConfSet(IntPtr conf, string name, string value, byte* errstr, nuint errstrSize);

    [LibraryImport(LibrdkafkaLocator.ImportName, EntryPoint = "rd_kafka_new")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial IntPtr New(int type, IntPtr conf, byte* errstr, nuint errstrSize);

    [LibraryImport(LibrdkafkaLocator.ImportName, EntryPoint = "rd_kafka_destroy")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial void Destroy(IntPtr rk);

    [LibraryImport(LibrdkafkaLocator.ImportName, EntryPoint = "rd_kafka_mock_cluster_new")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial IntPtr MockClusterNew(IntPtr rk, int brokerCount);

    [LibraryImport(LibrdkafkaLocator.ImportName, EntryPoint = "rd_kafka_mock_cluster_destroy")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial void MockClusterDestroy(IntPtr mcluster);

    [LibraryImport(LibrdkafkaLocator.ImportName, EntryPoint = "rd_kafka_mock_cluster_bootstraps")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial IntPtr MockClusterBootstraps(IntPtr mcluster);

    [LibraryImport(LibrdkafkaLocator.ImportName, EntryPoint = "rd_kafka_mock_topic_create", StringMarshalling = StringMarshalling.Utf8)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int MockTopicCreate(IntPtr mcluster, string topic, int partitionCount, int replicationFactor);

    [LibraryImport(LibrdkafkaLocator.ImportName, EntryPoint = "rd_kafka_mock_group_initial_rebalance_delay_ms")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial void MockGroupInitialRebalanceDelayMs(IntPtr mcluster, int delayMs);

    /// <summary>librdkafka's text for an error code.</summary>
    internal static string ErrorText(int err) => Marshal.PtrToStringUTF8(Err2Str(err)) ?? $"error {err}";

    /// <summary>The loaded library's version string, e.g. "2.16.0".</summary>
    internal static string Version() => Marshal.PtrToStringUTF8(VersionStr()) ?? "?";
}
