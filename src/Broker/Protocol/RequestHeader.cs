namespace ContactCenter.Broker.Protocol;

/// <summary>Request header v1 (v2 for flexible requests: tagged fields follow the client id).</summary>
internal readonly record struct RequestHeader(short ApiKey, short ApiVersion, int CorrelationId, string? ClientId)
{
    /// <summary>Reads the fixed part; the caller decides on tagged fields once it knows the API is flexible.</summary>
    public static RequestHeader Read(KafkaReader reader)
    {
        var key = reader.Int16();
        var version = reader.Int16();
        var correlation = reader.Int32();
        var clientId = reader.NullableString();
        return new RequestHeader(key, version, correlation, clientId);
    }
}
