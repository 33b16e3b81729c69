using ContactCenter.Broker.Handlers;
using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker;

/// <summary>Routes one request frame to its handler and returns the response frame (null: send nothing).</summary>
internal static class RequestDispatcher
{
    /// <summary>
    /// Null when no response is due (acks=0). Throws <see cref="MalformedRequestException"/> when the frame cannot be
    /// answered (undecodable, unknown API or version): the connection is then closed, as Kafka does.
    /// </summary>
    public static async ValueTask<KafkaWriter?> DispatchAsync(ClusterState cluster, BrokerNode node, ReadOnlyMemory<byte> frame,
        string clientHost, CancellationToken ct)
    {
        var reader = new KafkaReader(frame);
        var header = RequestHeader.Read(reader);
        var supported = ApiKey.IsSupported(header.ApiKey, header.ApiVersion);
        if (!supported && header.ApiKey != ApiKey.ApiVersions)
            throw new MalformedRequestException($"unsupported API {header.ApiKey} v{header.ApiVersion}");
        if (supported && ApiKey.HasFlexibleRequestHeader(header.ApiKey, header.ApiVersion)) reader.SkipTaggedFields();

        var ctx = new RequestContext(cluster, node, header, clientHost, ct);
        var response = new KafkaWriter();
        response.Int32(header.CorrelationId); // response header v0 (ApiVersions always, non-flexible versions) ...
        if (supported && ApiKey.HasFlexibleResponseHeader(header.ApiKey, header.ApiVersion)) response.NoTaggedFields(); // ... or v1
        switch (header.ApiKey)
        {
            case ApiKey.ApiVersions: ApiVersionsHandler.Handle(ctx, reader, response); break;
            case ApiKey.Metadata: MetadataHandler.Handle(ctx, reader, response); break;
            case ApiKey.Produce:
                if (!ProduceHandler.Handle(ctx, reader, response)) return null;
                break;
            case ApiKey.Fetch: await FetchHandler.Handle(ctx, reader, response).ConfigureAwait(false); break;
            case ApiKey.ListOffsets: ListOffsetsHandler.Handle(ctx, reader, response); break;
            case ApiKey.FindCoordinator: FindCoordinatorHandler.Handle(ctx, reader, response); break;
            case ApiKey.JoinGroup: await JoinGroupHandler.Handle(ctx, reader, response).ConfigureAwait(false); break;
            case ApiKey.SyncGroup: await SyncGroupHandler.Handle(ctx, reader, response).ConfigureAwait(false); break;
            case ApiKey.Heartbeat: HeartbeatHandler.Handle(ctx, reader, response); break;
            case ApiKey.LeaveGroup: LeaveGroupHandler.Handle(ctx, reader, response); break;
            case ApiKey.OffsetCommit: OffsetCommitHandler.Handle(ctx, reader, response); break;
            case ApiKey.OffsetFetch: OffsetFetchHandler.Handle(ctx, reader, response); break;
            case ApiKey.DescribeGroups: DescribeGroupsHandler.Handle(ctx, reader, response); break;
            case ApiKey.ListGroups: ListGroupsHandler.Handle(ctx, reader, response); break;
            case ApiKey.InitProducerId: InitProducerIdHandler.Handle(ctx, reader, response); break;
            case ApiKey.AddPartitionsToTxn: AddPartitionsToTxnHandler.Handle(ctx, reader, response); break;
            case ApiKey.AddOffsetsToTxn: AddOffsetsToTxnHandler.Handle(ctx, reader, response); break;
            case ApiKey.EndTxn: EndTxnHandler.Handle(ctx, reader, response); break;
            case ApiKey.TxnOffsetCommit: TxnOffsetCommitHandler.Handle(ctx, reader, response); break;
            case ApiKey.DescribeTransactions: DescribeTransactionsHandler.Handle(ctx, reader, response); break;
            case ApiKey.ListTransactions: ListTransactionsHandler.Handle(ctx, reader, response); break;
            case ApiKey.CreateTopics: CreateTopicsHandler.Handle(ctx, reader, response); break;
            case ApiKey.DeleteTopics: DeleteTopicsHandler.Handle(ctx, reader, response); break;
            case ApiKey.DescribeConfigs: DescribeConfigsHandler.Handle(ctx, reader, response); break;
            // Admin APIs (issue 23).
            case ApiKey.DeleteRecords: DeleteRecordsHandler.Handle(ctx, reader, response); break;
            case ApiKey.AlterConfigs: AlterConfigsHandler.Handle(ctx, reader, response); break;
            case ApiKey.CreatePartitions: CreatePartitionsHandler.Handle(ctx, reader, response); break;
            case ApiKey.DeleteGroups: DeleteGroupsHandler.Handle(ctx, reader, response); break;
            case ApiKey.IncrementalAlterConfigs: IncrementalAlterConfigsHandler.Handle(ctx, reader, response); break;
            default: throw new MalformedRequestException($"unsupported API {header.ApiKey}");
        }
        return response;
    }
}
