using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker;

/// <summary>One request as a handler sees it: the cluster, the broker it arrived at, its header and the caller.</summary>
internal sealed record RequestContext(ClusterState Cluster, BrokerNode Node, RequestHeader Header, string ClientHost, CancellationToken Cancellation)
{
    public short Version => Header.ApiVersion;
}
