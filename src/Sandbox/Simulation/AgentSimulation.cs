using ContactCenter.Topology.Events;

namespace ContactCenter.Sandbox.Simulation;

/// <summary>One generated event with the source it belongs to.</summary>
internal readonly record struct GeneratedEvent(string Source, EventOp Op, ISourceEvent Event);

/// <summary>
/// A seeded simulation of a contact center's agents: logins, presence changes, calls ringing, answered and
/// ended, feature toggles and some deletions. It remembers the newest event per agent and part: the state
/// the pipeline must end up with.
/// </summary>
internal sealed class AgentSimulation
{
    public const string AgentSource = "agent";
    public const string FeatureSource = "user-feature";
    public const string VoiceSource = "voice-agent";

    private static readonly string[] Presences = ["available", "busy", "away", "after-call-work", "offline"];
    private static readonly string[] SkillPool = ["sales", "billing", "support", "spanish", "french", "vip", "retention", "tech"];
    private static readonly string[] ChannelPool = ["voice", "chat", "email", "sms", "video"];
    private static readonly string[] Tenants = ["acme", "globex", "initech", "umbrella"];

    private readonly Random _random;
    private readonly AgentModel[] _agents;
    private long _callIds;

    /// <param name="agents">How many agents the simulation knows.</param>
    /// <param name="seed">Seed of the traffic: the same seed gives the same events.</param>
    /// <param name="firstId">Number of the first agent (ids are <c>agent-NNNNNN</c>): simulations with disjoint ranges
    /// describe disjoint agents, e.g. a bulk provisioning next to the live traffic.</param>
    public AgentSimulation(int agents, int seed, int firstId = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstId);
        _random = new Random(seed);
        _agents = new AgentModel[agents];
        for (var i = 0; i < agents; i++)
            _agents[i] = new AgentModel($"agent-{firstId + i:D6}", Tenants[(firstId + i) % Tenants.Length], 1000 + firstId + i);
    }

    /// <summary>Newest event per agent and source: what the pipeline's state must reflect.</summary>
    public IReadOnlyList<AgentModel> Agents => _agents;

    /// <summary>The three CREATED events (identity, features, telephony) that bring agent number <paramref name="index"/>
    /// on board: a bulk provisioning's source events.</summary>
    public IEnumerable<GeneratedEvent> Onboard(int index, long nowMs)
    {
        var agent = _agents[index];
        yield return Record(agent, AgentSource, EventOp.Created, AgentEvent(agent, nowMs, "logged-in", "available"));
        yield return Record(agent, FeatureSource, EventOp.Created, FeatureEvent(agent, nowMs));
        yield return Record(agent, VoiceSource, EventOp.Created, VoiceEvent(agent, nowMs, "idle", null));
    }

    /// <summary>Next event of the simulation, stamped with <paramref name="nowMs"/>.</summary>
    public GeneratedEvent Next(long nowMs)
    {
        var agent = _agents[_random.Next(_agents.Length)];
        if (agent.Deleted)
        {
            // A deleted agent is sometimes re-hired: a new CREATED with a higher version.
            if (_random.Next(4) == 0) return Record(agent, AgentSource, EventOp.Created, AgentEvent(agent, nowMs, "logged-in", "available"));
            agent = _agents[_random.Next(_agents.Length)];
            if (agent.Deleted) return Record(agent, AgentSource, EventOp.Created, AgentEvent(agent, nowMs, "logged-in", "available"));
        }
        if (agent.Agent is null)
            return Record(agent, AgentSource, EventOp.Created, AgentEvent(agent, nowMs, "logged-in", "available"));
        if (agent.Voice is null)
            return Record(agent, VoiceSource, EventOp.Created, VoiceEvent(agent, nowMs, "idle", null));
        if (agent.Feature is null)
            return Record(agent, FeatureSource, EventOp.Created, FeatureEvent(agent, nowMs));

        var roll = _random.Next(1000);
        if (roll < 5)
            return Record(agent, AgentSource, EventOp.Deleted, AgentEvent(agent, nowMs, "deleted", "offline"));
        if (roll < 300)
            return Record(agent, AgentSource, EventOp.Updated, AgentEvent(agent, nowMs, "logged-in", Presences[_random.Next(Presences.Length)]));
        if (roll < 900)
            return Record(agent, VoiceSource, EventOp.Updated, NextCallState(agent, nowMs));
        return Record(agent, FeatureSource, EventOp.Updated, FeatureEvent(agent, nowMs));
    }

    /// <summary>
    /// Bulk provisioning: for every agent that has no state yet, its three CREATED events (identity, telephony,
    /// features) stamped with <paramref name="nowMs"/>, agent after agent.
    /// </summary>
    public IEnumerable<GeneratedEvent> Provision(long nowMs)
    {
        foreach (var agent in _agents)
        {
            if (agent.Agent is not null) continue;
            yield return Record(agent, AgentSource, EventOp.Created, AgentEvent(agent, nowMs, "logged-in", "available"));
            yield return Record(agent, VoiceSource, EventOp.Created, VoiceEvent(agent, nowMs, "idle", null));
            yield return Record(agent, FeatureSource, EventOp.Created, FeatureEvent(agent, nowMs));
        }
    }

    private VoiceAgentEvent NextCallState(AgentModel agent, long nowMs)
    {
        var current = (VoiceAgentEvent)agent.Voice!.Value.Event;
        return current.CallState switch
        {
            "idle" => VoiceEvent(agent, nowMs, "ringing", $"call-{++_callIds:D9}"),
            "ringing" => VoiceEvent(agent, nowMs, _random.Next(5) == 0 ? "idle" : "talking", _random.Next(5) == 0 ? null : current.CurrentCallId),
            "talking" => VoiceEvent(agent, nowMs, _random.Next(3) == 0 ? "hold" : "wrap-up", current.CurrentCallId),
            "hold" => VoiceEvent(agent, nowMs, "talking", current.CurrentCallId),
            _ => VoiceEvent(agent, nowMs, "idle", null),
        };
    }

    private static AgentEvent AgentEvent(AgentModel agent, long nowMs, string status, string presence) =>
        new(agent.Id, agent.NextVersion(AgentSource), nowMs, $"Agent {agent.Id[6..]}", agent.Tenant, status, presence);

    private static VoiceAgentEvent VoiceEvent(AgentModel agent, long nowMs, string callState, string? callId) =>
        new(agent.Id, agent.NextVersion(VoiceSource), nowMs, agent.Extension.ToString(System.Globalization.CultureInfo.InvariantCulture), callState, callId);

    private UserFeatureEvent FeatureEvent(AgentModel agent, long nowMs)
    {
        var skills = SkillPool.Where(_ => _random.Next(3) == 0).ToArray();
        var channels = ChannelPool.Where(_ => _random.Next(2) == 0).ToArray();
        return new UserFeatureEvent(agent.Id, agent.NextVersion(FeatureSource), nowMs, _random.Next(2) == 0, skills, channels);
    }

    private static GeneratedEvent Record(AgentModel agent, string source, EventOp op, ISourceEvent ev)
    {
        var generated = new GeneratedEvent(source, op, ev);
        agent.Remember(generated);
        return generated;
    }
}

/// <summary>What the simulation knows of one agent: the newest event of each source.</summary>
internal sealed class AgentModel(string id, string tenant, int extension)
{
    private long _agentVersion;
    private long _voiceVersion;
    private long _featureVersion;

    public string Id { get; } = id;
    public string Tenant { get; } = tenant;
    public int Extension { get; } = extension;
    public GeneratedEvent? Agent { get; private set; }
    public GeneratedEvent? Voice { get; private set; }
    public GeneratedEvent? Feature { get; private set; }
    public bool Deleted => Agent is { Op: EventOp.Deleted };

    public long NextVersion(string source) => source switch
    {
        AgentSimulation.AgentSource => ++_agentVersion,
        AgentSimulation.VoiceSource => ++_voiceVersion,
        _ => ++_featureVersion,
    };

    public void Remember(GeneratedEvent ev)
    {
        switch (ev.Source)
        {
            case AgentSimulation.AgentSource: Agent = ev; break;
            case AgentSimulation.VoiceSource: Voice = ev; break;
            default: Feature = ev; break;
        }
    }

    public IEnumerable<GeneratedEvent> Latest()
    {
        if (Agent is { } a) yield return a;
        if (Voice is { } v) yield return v;
        if (Feature is { } f) yield return f;
    }
}
