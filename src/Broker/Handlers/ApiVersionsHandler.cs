using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>
/// ApiVersions v0-3. v3 is flexible (compact array, tagged fields) but its response header stays v0 so that a client
/// can read the answer before it knows what the broker speaks; an unsupported version is answered in v0 form with
/// UNSUPPORTED_VERSION and the list, which is how librdkafka falls back.
/// </summary>
internal static class ApiVersionsHandler
{
    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var version = ctx.Version;
        if (version > 3)
        {
            response.Int16(ErrorCode.UnsupportedVersion);
            response.Array(ApiKey.Supported, (w, api) => w.Int16(api.Key).Int16(api.Min).Int16(api.Max));
            return;
        }
        if (version >= 3)
        {
            request.CompactNullableString(); // client software name
            request.CompactNullableString(); // client software version
            request.SkipTaggedFields();
            response.Int16(ErrorCode.None);
            response.UnsignedVarint((uint)ApiKey.Supported.Count + 1);
            foreach (var (key, min, max) in ApiKey.Supported)
                response.Int16(key).Int16(min).Int16(max).UnsignedVarint(0);
            response.Int32(0);          // throttle
            response.UnsignedVarint(0); // no tagged fields
            return;
        }
        response.Int16(ErrorCode.None);
        response.Array(ApiKey.Supported, (w, api) => w.Int16(api.Key).Int16(api.Min).Int16(api.Max));
        if (version >= 1) response.Int32(0);
    }
}
