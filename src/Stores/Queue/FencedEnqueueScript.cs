using ContactCenter.Stores.Redis;

namespace ContactCenter.Stores.Queue;

/// <summary>
/// The fence script with a job attached: the fenced write (<see cref="FenceScript"/>, unchanged, run as a local
/// function) and, in the same atomic step, only when that write was applied, the job's enqueue. The job is keyed by its
/// idempotency key in <c>Q:jobs</c> (HSETNX), so whatever redelivers, replays or retries the record, the job is queued at
/// most once; and since it is queued with the write that covers the record's offset, a crash never loses it.
/// </summary>
/// <remarks>
/// Layout: the fence script's KEYS and ARGV, then two more KEYS (<c>Q:jobs</c>, <c>Q:ready</c>) and two more ARGV (job
/// id, payload) at the end. The prologue strips the two ARGV off before the fence body runs, so the body reads the
/// layout it always reads, whatever it does with <c>#ARGV</c>. Returns the fence's result plus <see cref="Enqueued"/>
/// when the job was queued now.
/// </remarks>
internal static class FencedEnqueueScript
{
    /// <summary>Bit set in the result when the job was queued by this call.</summary>
    public const long Enqueued = 4;

    public static readonly string Source =
        """
        local job_id, job_payload = ARGV[#ARGV - 1], ARGV[#ARGV]
        local ARGV = { unpack(ARGV, 1, #ARGV - 2) }
        local function fence()

        """ + FenceScript.Source + """

        end
        local result = fence()
        if result % 2 == 1 and redis.call('HSETNX', KEYS[#KEYS - 1], job_id, job_payload) == 1 then
          redis.call('RPUSH', KEYS[#KEYS], job_id)
          result = result + 4
        end
        return result
        """;
}
