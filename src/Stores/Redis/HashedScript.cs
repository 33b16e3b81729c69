using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace ContactCenter.Stores.Redis;

/// <summary>
/// A Lua script called by its SHA1 (<c>EVALSHA</c>), its text sent only when the server does not hold it (a fresh or
/// restarted server, a flushed script cache, a failover to a replica that never ran it): the server then answers
/// <c>NOSCRIPT</c>, the call is sent again with the text (<c>EVAL</c>), which also caches it for the calls after.
/// Why: StackExchange.Redis sends <c>EVAL</c> with the whole text on every <c>ScriptEvaluateAsync(string)</c> unless
/// the script was loaded with <c>SCRIPT LOAD</c> on that very server, so a load of thousands of calls sent and hashed
/// the text thousands of times.
/// </summary>
public sealed class HashedScript(string source)
{
    public string Source { get; } = source;

    public byte[] Sha1 { get; } = SHA1.HashData(Encoding.UTF8.GetBytes(source));

    public async Task<RedisResult> EvaluateAsync(IDatabaseAsync db, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return await db.ScriptEvaluateAsync(Sha1, keys, args).ConfigureAwait(false);
        }
        catch (RedisServerException error) when (error.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            return await db.ScriptEvaluateAsync(Source, keys, args).ConfigureAwait(false);
        }
    }
}
