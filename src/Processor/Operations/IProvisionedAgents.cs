using System.Net.Http.Json;

namespace ContactCenter.Processor.Operations;

/// <summary>What the downstream service confirms it provisioned: the other side of reconciliation. The simulated
/// service implements it directly; a real one through its listing endpoint (<see cref="HttpProvisionedAgents"/>) or an
/// adapter of its own.</summary>
internal interface IProvisionedAgents
{
    Task<IReadOnlyCollection<string>> ListAsync(CancellationToken ct);
}

/// <summary>A listing endpoint answering a JSON array of objects with an <c>agentId</c> (the simulated service's <c>GET /agents</c>).</summary>
internal sealed class HttpProvisionedAgents(HttpClient http, Uri listing) : IProvisionedAgents
{
    public async Task<IReadOnlyCollection<string>> ListAsync(CancellationToken ct)
    {
        var agents = await http.GetFromJsonAsync(listing, ProvisionedAgentJson.Default.ProvisionedAgentArray, ct).ConfigureAwait(false)
            ?? throw new InvalidDataException($"{listing} answered null");
        return agents.Select(a => a.AgentId).ToArray();
    }
}

/// <summary>One provisioned agent as the service lists it.</summary>
internal sealed record ProvisionedAgent(string AgentId, string OperationId, int Times);

/// <summary>The listing's wire form, shared by the reconciler and the simulated service.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(ProvisionedAgent[]))]
internal sealed partial class ProvisionedAgentJson : System.Text.Json.Serialization.JsonSerializerContext;
