using System.Text.Json;

namespace ContactCenter.Topology.Events;

/// <summary>
/// The three source events of the agent pipeline, as producers write them. On the wire each is a flat JSON
/// object keyed (Kafka key) by <c>agentId</c>, with a per-part <c>version</c> and an event time <c>ts</c>
/// (Unix milliseconds). The engine reads them generically (see <see cref="SourceEventDecoder"/>), so a
/// topology file decides which fields matter; these types are the producers' contract.
/// </summary>
public interface ISourceEvent
{
    string AgentId { get; }
    long Version { get; }
    long Timestamp { get; }

    /// <summary>Writes the event's JSON body (no reflection).</summary>
    void Write(Utf8JsonWriter writer);
}

/// <summary>An agent's identity and presence (topic <c>agent</c>).</summary>
public sealed record AgentEvent(
    string AgentId, long Version, long Timestamp,
    string Name, string TenantId, string Status, string Presence) : ISourceEvent
{
    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("agentId"u8, AgentId);
        writer.WriteNumber("version"u8, Version);
        writer.WriteNumber("ts"u8, Timestamp);
        writer.WriteString("name"u8, Name);
        writer.WriteString("tenantId"u8, TenantId);
        writer.WriteString("status"u8, Status);
        writer.WriteString("presence"u8, Presence);
        writer.WriteEndObject();
    }
}

/// <summary>What an agent is allowed to do (topic <c>user-feature</c>).</summary>
public sealed record UserFeatureEvent(
    string AgentId, long Version, long Timestamp,
    bool Recording, IReadOnlyList<string> Skills, IReadOnlyList<string> Channels) : ISourceEvent
{
    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("agentId"u8, AgentId);
        writer.WriteNumber("version"u8, Version);
        writer.WriteNumber("ts"u8, Timestamp);
        writer.WriteBoolean("recording"u8, Recording);
        writer.WriteStartArray("skills"u8);
        foreach (var skill in Skills) writer.WriteStringValue(skill);
        writer.WriteEndArray();
        writer.WriteStartArray("channels"u8);
        foreach (var channel in Channels) writer.WriteStringValue(channel);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}

/// <summary>An agent's telephony endpoint and call state (topic <c>voice-agent</c>).</summary>
public sealed record VoiceAgentEvent(
    string AgentId, long Version, long Timestamp,
    string Extension, string CallState, string? CurrentCallId) : ISourceEvent
{
    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("agentId"u8, AgentId);
        writer.WriteNumber("version"u8, Version);
        writer.WriteNumber("ts"u8, Timestamp);
        writer.WriteString("extension"u8, Extension);
        writer.WriteString("callState"u8, CallState);
        if (CurrentCallId is null) writer.WriteNull("currentCallId"u8);
        else writer.WriteString("currentCallId"u8, CurrentCallId);
        writer.WriteEndObject();
    }
}
