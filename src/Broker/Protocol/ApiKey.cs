namespace ContactCenter.Broker.Protocol;

/// <summary>
/// The APIs the embedded broker serves and the versions it advertises in ApiVersions. Most are the last non-flexible
/// versions, which librdkafka 2.16 negotiates down to; the flexible ones are listed at
/// <see cref="HasFlexibleRequestHeader"/>; see docs/broker.md.
/// </summary>
internal static class ApiKey
{
    public const short Produce = 0;
    public const short Fetch = 1;
    public const short ListOffsets = 2;
    public const short Metadata = 3;
    public const short OffsetCommit = 8;
    public const short OffsetFetch = 9;
    public const short FindCoordinator = 10;
    public const short JoinGroup = 11;
    public const short Heartbeat = 12;
    public const short LeaveGroup = 13;
    public const short SyncGroup = 14;
    public const short DescribeGroups = 15;
    public const short ListGroups = 16;
    public const short ApiVersions = 18;
    public const short CreateTopics = 19;
    public const short DeleteTopics = 20;
    public const short InitProducerId = 22;
    public const short AddPartitionsToTxn = 24;
    public const short AddOffsetsToTxn = 25;
    public const short EndTxn = 26;
    public const short TxnOffsetCommit = 28;
    public const short DescribeConfigs = 32;

    // Admin APIs (issue 23).
    public const short DeleteRecords = 21;
    public const short AlterConfigs = 33;
    public const short CreatePartitions = 37;
    public const short DeleteGroups = 42;
    public const short IncrementalAlterConfigs = 44;

    // Transactions admin (KIP-664), flexible in every version.
    public const short DescribeTransactions = 65;
    public const short ListTransactions = 66;

    // Authentication (SASL listeners).
    public const short SaslHandshake = 17;
    public const short SaslAuthenticate = 36;

    /// <summary>(key, min, max) in the order ApiVersions lists them.</summary>
    public static readonly IReadOnlyList<(short Key, short Min, short Max)> Supported =
    [
        (Produce, 3, 7),
        (Fetch, 4, 11),
        (ListOffsets, 1, 5),
        (Metadata, 0, 7),
        (OffsetCommit, 0, 7),
        (OffsetFetch, 0, 5),
        (FindCoordinator, 0, 2),
        (JoinGroup, 0, 5),
        (Heartbeat, 0, 3),
        (LeaveGroup, 0, 2),
        (SyncGroup, 0, 3),
        (DescribeGroups, 0, 4),
        (ListGroups, 0, 2),
        (ApiVersions, 0, 3),
        (CreateTopics, 0, 4),
        (DeleteTopics, 0, 3),
        (InitProducerId, 0, 1),
        (AddPartitionsToTxn, 0, 2),
        (AddOffsetsToTxn, 0, 2),
        (EndTxn, 0, 2),
        (TxnOffsetCommit, 0, 3),
        (DescribeConfigs, 0, 3),
        // Admin APIs (issue 23).
        (DeleteRecords, 0, 1),
        (AlterConfigs, 0, 1),
        (CreatePartitions, 0, 1),
        (DeleteGroups, 0, 1),
        (IncrementalAlterConfigs, 0, 0),
        (DescribeTransactions, 0, 0),
        (ListTransactions, 0, 0),
        // Authentication: served on every listener, needed on SASL ones.
        (SaslHandshake, 0, 1),
        (SaslAuthenticate, 0, 1),
    ];

    public static bool IsSupported(short key, short version)
    {
        foreach (var (k, min, max) in Supported)
            if (k == key) return version >= min && version <= max;
        return false;
    }

    /// <summary>
    /// The flexible versions served: ApiVersions v3, TxnOffsetCommit v3 (KIP-447's group metadata), DescribeTransactions
    /// and ListTransactions. Their request header is v2 (tagged fields after the client id).
    /// </summary>
    public static bool HasFlexibleRequestHeader(short key, short version) => key switch
    {
        ApiVersions => version >= 3,
        TxnOffsetCommit => version >= 3,
        DescribeTransactions or ListTransactions => true,
        _ => false,
    };

    /// <summary>Response header v1 (tagged fields after the correlation id): every flexible response but ApiVersions'.</summary>
    public static bool HasFlexibleResponseHeader(short key, short version) => key != ApiVersions && HasFlexibleRequestHeader(key, version);
}
