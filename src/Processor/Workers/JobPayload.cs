using System.Text.Json;

namespace ContactCenter.Processor.Workers;

/// <summary>What a queue stage puts in a job: the record key and the job's fields, as JSON.</summary>
internal sealed record JobPayload(string Key, IReadOnlyDictionary<string, string> Fields)
{
    public static string Serialize(string key, IEnumerable<KeyValuePair<string, string>> fields) =>
        JsonSerializer.Serialize(new JobPayload(key, fields.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal)), JobPayloadJson.Default.JobPayload);

    /// <summary>The payload, or null when it is not one (a job written by something else).</summary>
    public static JobPayload? TryParse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, JobPayloadJson.Default.JobPayload) is { Key: not null, Fields: not null } payload ? payload : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The body the effect sends: the fields only.</summary>
    public string Body() => JsonSerializer.Serialize(Fields, JobPayloadJson.Default.IReadOnlyDictionaryStringString);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JobPayload))]
[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class JobPayloadJson : System.Text.Json.Serialization.JsonSerializerContext;
