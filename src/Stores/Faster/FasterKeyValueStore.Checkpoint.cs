using ContactCenter.Stores.Streamiz;
using Confluent.Kafka;
using FASTER.core;
using Microsoft.Extensions.Logging;
using Streamiz.Kafka.Net.Crosscutting;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Processors;

namespace ContactCenter.Stores.Faster;

// Opening, checkpointing and recovery.
//
// Streamiz's protocol (1.8.2, AbstractTask.WriteCheckpoint / ProcessorStateManager): on commit it calls
// Flush() on every store and only then writes the task's .checkpoint file with the next changelog offset
// of each persistent store; on start it calls Init() on every store and only then reads .checkpoint and
// restores each changelog from the offset found there (from the beginning when there is none).
//
// So a FASTER checkpoint taken in Flush() always covers at least the offset Streamiz writes right after
// it, and restoring from .checkpoint onto the recovered state loses nothing; records that are replayed
// although the checkpoint already had them are the same full values, written again (idempotent). What
// can break it is a missing or corrupt FASTER checkpoint next to a valid .checkpoint: Init() then drops
// this store's entry from .checkpoint, so Streamiz restores the whole changelog, and logs why.
public sealed partial class FasterKeyValueStore
{
    private static readonly TimeSpan CheckpointTimeout = TimeSpan.FromMinutes(5);

    private readonly Dictionary<(string Topic, int Partition), long> restored = new();
    private ProcessorContext? context;
    private StreamizTaskCheckpoint? taskCheckpoint;
    private long sequence;
    private Guid? inflight;
    private long lastCheckpointStarted = System.Diagnostics.Stopwatch.GetTimestamp();
    private string? lastRestoreTopic;
    private int lastRestorePartition;
    private long lastRestoreNext = -1;

    /// <summary>What the last open found and did (tests and health reporting).</summary>
    internal RecoveryResult LastRecovery { get; private set; } = new(RecoveryOutcome.NoCheckpoint, null, null, "not opened");

    /// <summary>Token of the last checkpoint taken or recovered.</summary>
    internal Guid LastCheckpointToken { get; private set; }

    /// <summary>
    /// Opens the store under the Streamiz task directory (or <see cref="FasterStoreOptions.StateDirectory"/>),
    /// recovers its latest checkpoint, reconciles Streamiz's changelog offset with it and registers the
    /// restore callback.
    /// </summary>
    public void Init(ProcessorContext context, IStateStore root)
    {
        ArgumentNullException.ThrowIfNull(context);
        this.context = context;
        var directory = options.StateDirectory is { } baseDir
            ? Path.Combine(baseDir, context.ApplicationId, context.Id.ToString(), "faster", Name)
            : Path.Combine(context.StateDir, "faster", Name);
        var changelog = StreamizInternals.ChangelogTopicFor(context, Name);
        exactlyOnce = StreamizInternals.IsExactlyOnce(context);
        taskCheckpoint = changelog is null
            ? null
            : new StreamizTaskCheckpoint(context.StateDir, context.Id, new TopicPartition(changelog, context.Id.Partition));
        Open(directory);
        context.Register(root ?? this, (key, value, _) => RestoreRecord(key, value));
    }

    /// <summary>Opens (recovering if possible) without Streamiz: tests and benchmarks.</summary>
    internal void Open(string directory)
    {
        if (open) throw new InvalidOperationException($"Store {Name} is already open");
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        directoryLock = StoreDirectoryLock.Acquire(directory, options.DirectoryLockWait);
        var checkpointDir = Path.Combine(directory, "checkpoints");
        var hasCheckpoint = System.IO.Directory.Exists(checkpointDir)
            && System.IO.Directory.EnumerateFiles(checkpointDir, "*", SearchOption.AllDirectories).Any();
        string? distrusted = null;
        var trusted = TakeCleanCloseMark(directory); // consumed even without a checkpoint: a mark never outlives its open
        if (hasCheckpoint && !trusted)
        {
            distrusted = $"under exactly-once the checkpoint in {directory} was not written by a clean close (it may hold writes of an aborted transaction); it was discarded";
            WipeDirectory(directory);
            hasCheckpoint = false;
        }

        CheckpointCookie? cookie = null;
        string? failure = null;
        CreateKv(directory);
        if (hasCheckpoint)
        {
            try
            {
                // By explicit tokens: FASTER 2.6.5's token-less Recover() scans an incremental checkpoint's delta log
                // but keeps the base snapshot's commit cookie, which would name offsets and counts of the base.
                kv!.GetLatestCheckpointTokens(out var logToken, out var indexToken);
                kv.Recover(indexToken, logToken, options.RecoveryPreloadPages);
                cookie = CheckpointCookie.Parse(kv.RecoveredCommitCookie);
                if (cookie.StoreName != Name)
                    throw new InvalidDataException($"checkpoint belongs to store '{cookie.StoreName}'");
                LastCheckpointToken = logToken;
                // Lazy recovery does not read the log, so a missing or truncated log file would only
                // show later as keys that silently read as absent: check the files cover the log now.
                VerifyLogFiles(directory);
            }
            catch (Exception e)
            {
                failure = $"{e.GetType().Name}: {e.Message}";
                cookie = null;
                DisposeKv();
                WipeDirectory(directory);
                CreateKv(directory);
            }
        }

        restored.Clear();
        if (cookie is not null)
        {
            entries = cookie.Entries;
            sequence = cookie.Sequence;
            foreach (var o in cookie.Offsets)
                if (o.Source == OffsetSource.Restored) restored[(o.Topic, o.Partition)] = o.NextOffset;
        }
        else
        {
            entries = 0;
            sequence = 0;
        }
        lastRestoreTopic = null;
        lastRestoreNext = -1;
        dirty = false;
        writesSinceCheckpoint = 0;
        baseToken = default; // the first checkpoint after open is a full one
        lastCheckpointStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        ownerSession = NewSession();
        writtenSinceFlush = false;
        open = true;
        LastRecovery = Reconcile(directory, cookie, hasCheckpoint, failure, distrusted);
    }

    private void CreateKv(string directory)
    {
        // A real file device: pages that leave memory are written here and read back on demand.
        // (FASTER's NullDevice would silently lose them.)
        logDevice = Devices.CreateLogDevice(Path.Combine(directory, "log", "hlog"), preallocateFile: false, deleteOnClose: false, recoverDevice: true);
        kv = new FasterKV<SpanByte, SpanByte>(new FasterKVSettings<SpanByte, SpanByte>
        {
            IndexSize = options.IndexSizeBytes,
            LogDevice = logDevice,
            PageSize = options.PageSizeBytes,
            SegmentSize = options.SegmentSizeBytes,
            MemorySize = options.MemorySizeBytes,
            MutableFraction = options.MutableFraction,
            ReadCacheEnabled = false,
            CheckpointDir = Path.Combine(directory, "checkpoints"),
            RemoveOutdatedCheckpoints = true,
        });
    }

    private void VerifyLogFiles(string directory)
    {
        // Only fold-over checkpoints keep the data in the log file itself (a snapshot has its own file).
        if (options.CheckpointType != CheckpointType.FoldOver) return;
        var (begin, tail) = (kv!.Log.BeginAddress, kv.Log.TailAddress);
        if (tail <= begin) return;
        var segmentSize = options.SegmentSizeBytes;
        var last = (tail - 1) / segmentSize;
        for (var segment = begin / segmentSize; segment <= last; segment++)
        {
            var file = new FileInfo(Path.Combine(directory, "log", $"hlog.{segment}"));
            // The checkpoint flushed the log up to its tail (in whole 512-byte sectors).
            var needed = segment == last ? (tail - segment * segmentSize) & ~511L : segmentSize;
            var length = file.Exists ? file.Length : 0;
            if (length < needed)
                throw new InvalidDataException($"log segment {file.Name} is missing or shorter than the checkpoint needs ({length} < {needed} bytes)");
        }
    }

    private static void WipeDirectory(string directory)
    {
        foreach (var sub in new[] { "checkpoints", "log" })
        {
            var path = Path.Combine(directory, sub);
            if (System.IO.Directory.Exists(path)) System.IO.Directory.Delete(path, recursive: true);
        }
    }

    /// <summary>Decides where Streamiz's changelog restore starts, and says so in the log.</summary>
    private RecoveryResult Reconcile(string directory, CheckpointCookie? cookie, bool hadCheckpoint, string? failure, string? distrusted)
    {
        long? streamizOffset = null;
        try { streamizOffset = taskCheckpoint?.Read(); }
        catch (Exception e) when (e is IOException or FormatException or ArgumentException)
        {
            log.LogWarning("Store {Store}: Streamiz offset checkpoint unreadable ({Error}); Streamiz will restore from the beginning", Name, e.Message);
        }

        if (cookie is null)
        {
            // Without our state, any changelog offset Streamiz holds would skip records we no longer have.
            var dropped = false;
            if (taskCheckpoint is not null && streamizOffset is not null) dropped = taskCheckpoint.Remove();
            var outcome = failure is not null ? RecoveryOutcome.Corrupt : RecoveryOutcome.NoCheckpoint;
            var why = distrusted ?? (failure is not null
                ? $"checkpoint in {directory} is unusable ({failure}); it was discarded"
                : hadCheckpoint ? $"checkpoint in {directory} is incomplete" : $"no checkpoint in {directory}");
            var message = $"Store {Name}: {why}; FULL RESTORE from the beginning of the changelog"
                + (dropped ? $" (dropped Streamiz's .checkpoint offset {streamizOffset} for {taskCheckpoint!.Changelog})" : "");
            if (failure is not null || dropped) log.LogWarning("{Message}", message);
            else log.LogInformation("{Message}", message);
            return new RecoveryResult(outcome, null, null, message);
        }

        // Our checkpoint names offsets it provably includes; use the highest one Streamiz does not already exceed.
        long? covered = null;
        if (taskCheckpoint is not null)
            foreach (var o in cookie.Offsets)
                if (o.Topic == taskCheckpoint.Changelog.Topic && o.Partition == taskCheckpoint.Changelog.Partition.Value)
                    covered = Math.Max(covered ?? 0, o.NextOffset);

        long? start = streamizOffset;
        if (options.BackgroundCheckpoints)
        {
            // A background checkpoint may have died with the process after Streamiz recorded a newer offset: only
            // what the recovered checkpoint recorded itself is certain. Replaying from there is idempotent.
            start = covered;
            if (covered is not null && covered != streamizOffset) taskCheckpoint!.Set(covered.Value);
            else if (covered is null && streamizOffset is not null) taskCheckpoint!.Remove();
        }
        else if (covered is not null && (streamizOffset is null || covered > streamizOffset))
        {
            taskCheckpoint!.Set(covered.Value);
            start = covered;
        }
        var tail = start is null ? "the beginning of the changelog (replayed over the recovered state, idempotent)" : $"changelog offset {start}";
        var text = $"Store {Name}: recovered checkpoint #{cookie.Sequence} ({cookie.Entries} entries) from {directory}; restore resumes at {tail}"
            + (covered is not null && covered != streamizOffset ? $" (checkpoint covers {covered}, Streamiz had {streamizOffset?.ToString() ?? "none"})" : "");
        log.LogInformation("{Message}", text);
        return new RecoveryResult(RecoveryOutcome.Recovered, start, cookie, text);
    }

    /// <summary>Streamiz's restore callback: applies one changelog record and remembers how far the changelog was applied.</summary>
    private void RestoreRecord(Bytes key, byte[]? value)
    {
        Put(key, value);
        // Streamiz sets the record metadata to the changelog record just before calling back.
        if (context is not null) NoteRestored(context.Topic, context.Partition.Value, context.Offset);
    }

    /// <summary>Applies a changelog record at a known position (tests drive restores through this).</summary>
    internal void Restore(string topic, int partition, long offset, Bytes key, byte[]? value)
    {
        Put(key, value);
        NoteRestored(topic, partition, offset);
    }

    private void NoteRestored(string topic, int partition, long offset)
    {
        // One changelog partition per store in practice: remember it in fields, fold into the map at checkpoint.
        if (!string.Equals(topic, lastRestoreTopic, StringComparison.Ordinal) || partition != lastRestorePartition)
        {
            FoldRestorePosition();
            lastRestoreTopic = topic;
            lastRestorePartition = partition;
        }
        lastRestoreNext = offset + 1;
    }

    private void FoldRestorePosition()
    {
        if (lastRestoreTopic is null || lastRestoreNext < 0) return;
        var k = (lastRestoreTopic, lastRestorePartition);
        restored[k] = Math.Max(restored.GetValueOrDefault(k), lastRestoreNext);
    }

    /// <summary>
    /// Non-blocking flush: completes the bookkeeping of a background checkpoint that has finished, and starts a
    /// new one when anything changed. Never waits for I/O.
    /// </summary>
    private void CheckpointInBackground()
    {
        using var lease = Lease();
        if (inflight is { } running)
        {
            lease.Session.Refresh();
            lease.Session.CompletePending(wait: false);
            if (kv!.SystemState.Phase != Phase.REST) return; // still running; the next flush looks again
            FinishCheckpoint(running);
        }
        if (!dirty || !CheckpointDue()) return;
        inflight = BeginCheckpoint(lease.Session);
    }

    /// <summary>Whether a background checkpoint may start now (<see cref="FasterStoreOptions.CheckpointInterval"/>).</summary>
    private bool CheckpointDue() =>
        options.CheckpointInterval <= TimeSpan.Zero
        || System.Diagnostics.Stopwatch.GetElapsedTime(lastCheckpointStarted) >= options.CheckpointInterval
        || (options.CheckpointAfterWrites > 0 && Interlocked.Read(ref writesSinceCheckpoint) >= options.CheckpointAfterWrites);

    /// <summary>Takes a FASTER checkpoint carrying the covered offsets and the entry count; waits until it is durable.</summary>
    internal Guid Checkpoint()
    {
        if (!open) throw new InvalidOperationException($"Store {Name} is not open");
        using var lease = Lease();
        if (inflight is { } running)
        {
            // A background checkpoint is under way: let it finish first (FASTER runs one at a time).
            WaitForRest(lease.Session, running);
            FinishCheckpoint(running);
            if (!dirty) return running; // it already holds everything
        }
        var token = BeginCheckpoint(lease.Session);
        WaitForRest(lease.Session, token);
        FinishCheckpoint(token);
        return token;
    }

    private void FinishCheckpoint(Guid token)
    {
        inflight = null;
        sequence++;
        LastCheckpointToken = token;
        log.LogDebug("Store {Store}: checkpoint #{Sequence} {Token} durable", Name, sequence, token);
    }

    private void WaitForRest(FASTER.core.ClientSession<SpanByte, SpanByte, SpanByte, byte[]?, Empty, StoreFunctions> session, Guid token)
    {
        // Drive the checkpoint state machine from this thread until it is back at rest, i.e. durable.
        // (CompletePending's own spin-wait does not refresh an idle session, so it would never see the phases advance.)
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            session.Refresh();
            session.CompletePending(wait: false);
            if (kv!.SystemState.Phase == Phase.REST) return;
            if (started.Elapsed > CheckpointTimeout)
                throw new IOException($"Store {Name}: checkpoint {token} did not complete within {CheckpointTimeout}");
            Thread.Yield();
        }
    }

    /// <summary>Starts a checkpoint whose cookie records what the store provably holds now; returns its token.</summary>
    private Guid BeginCheckpoint(FASTER.core.ClientSession<SpanByte, SpanByte, SpanByte, byte[]?, Empty, StoreFunctions> session)
    {
        CompactIfNeeded(session);
        FoldRestorePosition();
        var offsets = new List<CoveredOffset>();
        foreach (var ((topic, partition), next) in restored)
            offsets.Add(new CoveredOffset(topic, partition, next, OffsetSource.Restored));
        try
        {
            // Streamiz wrote .checkpoint after our previous flush, so our state includes what it names.
            if (taskCheckpoint?.Read() is { } streamiz)
                offsets.Add(new CoveredOffset(taskCheckpoint.Changelog.Topic, taskCheckpoint.Changelog.Partition.Value, streamiz, OffsetSource.StreamizCheckpoint));
        }
        catch (Exception e) when (e is IOException or FormatException or ArgumentException)
        {
            log.LogDebug("Store {Store}: Streamiz offset checkpoint unreadable at flush: {Error}", Name, e.Message);
        }

        var cookie = new CheckpointCookie(Name, Interlocked.Read(ref entries), sequence + 1, offsets);
        kv!.CommitCookie = cookie.Serialize();
        // Cleared before the checkpoint's cut: a write racing with it marks the store dirty again.
        dirty = false;
        Interlocked.Exchange(ref writesSinceCheckpoint, 0);
        lastCheckpointStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        Guid token;
        var started = ShouldGoIncremental()
            ? kv.TryInitiateHybridLogCheckpoint(out token, CheckpointType.Snapshot, tryIncremental: true)
            : kv.TryInitiateFullCheckpoint(out token, options.CheckpointType);
        if (!started)
            throw new InvalidOperationException($"Store {Name}: a FASTER checkpoint is already in progress");
        if (token != baseToken)
        {
            // A new base (FASTER takes a full snapshot of the log when it cannot go incremental, index or not).
            baseToken = token;
            Interlocked.Increment(ref fullCheckpoints);
        }
        else
        {
            Interlocked.Increment(ref incrementalCheckpoints);
        }
        return token;
    }

    /// <summary>Token of the snapshot the next incremental checkpoint would extend (default: none since open).</summary>
    private Guid baseToken;

    private long fullCheckpoints;
    private long incrementalCheckpoints;

    /// <summary>Checkpoints started since open that began a new base (full snapshot of the log) / that only wrote a delta.</summary>
    internal (long Full, long Incremental) CheckpointCounts => (Interlocked.Read(ref fullCheckpoints), Interlocked.Read(ref incrementalCheckpoints));

    /// <summary>
    /// Incremental when enabled, on snapshot checkpoints, once this store took a full checkpoint itself (so the index
    /// checkpoint recovery starts from is its own, not one from before a crash), and while the base's delta log is
    /// under its bound. FASTER itself falls back to a full log snapshot when the log spilled past the base.
    /// </summary>
    private bool ShouldGoIncremental()
    {
        if (!options.IncrementalCheckpoints || options.CheckpointType != CheckpointType.Snapshot || baseToken == default) return false;
        var baseDir = Path.Combine(Directory!, "checkpoints", "cpr-checkpoints", baseToken.ToString());
        long delta = 0;
        if (System.IO.Directory.Exists(baseDir))
            foreach (var file in System.IO.Directory.EnumerateFiles(baseDir, "delta.dat*"))
                delta += new FileInfo(file).Length;
        return delta < options.EffectiveDeltaBound;
    }

    private void CompactIfNeeded(FASTER.core.ClientSession<SpanByte, SpanByte, SpanByte, byte[]?, Empty, StoreFunctions> session)
    {
        var threshold = options.EffectiveCompactionThreshold;
        var logAccessor = kv!.Log;
        if (threshold <= 0 || logAccessor.TailAddress - logAccessor.BeginAddress <= threshold) return;
        var until = logAccessor.SafeReadOnlyAddress;
        if (until <= logAccessor.BeginAddress) return;
        var before = logAccessor.TailAddress - logAccessor.BeginAddress;
        session.Compact(until, CompactionType.Scan);
        log.LogInformation("Store {Store}: compacted log from {Before} to {After} bytes", Name, before, logAccessor.TailAddress - logAccessor.BeginAddress);
    }
}

/// <summary>What opening a store found.</summary>
internal enum RecoveryOutcome
{
    /// <summary>A checkpoint was recovered; only the changelog tail is restored.</summary>
    Recovered,

    /// <summary>No checkpoint: the store starts empty and the whole changelog is restored.</summary>
    NoCheckpoint,

    /// <summary>A checkpoint existed but could not be used: discarded, whole changelog restored.</summary>
    Corrupt,
}

/// <summary>Outcome of an open: where the changelog restore starts (null = beginning) and the recovered cookie.</summary>
internal sealed record RecoveryResult(RecoveryOutcome Outcome, long? RestoreFrom, CheckpointCookie? Cookie, string Message);
