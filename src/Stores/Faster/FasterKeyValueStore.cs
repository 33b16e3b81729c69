using System.Collections.Concurrent;
using FASTER.core;
using Microsoft.Extensions.Logging;
using Streamiz.Kafka.Net.Crosscutting;
using Streamiz.Kafka.Net.Errors;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.State;
using Session = FASTER.core.ClientSession<FASTER.core.SpanByte, FASTER.core.SpanByte, FASTER.core.SpanByte, byte[]?, FASTER.core.Empty, ContactCenter.Stores.Faster.StoreFunctions>;

namespace ContactCenter.Stores.Faster;

/// <summary>
/// Streamiz key/value store on <c>FasterKV&lt;SpanByte, SpanByte&gt;</c> (records inline, no object log).
/// <list type="bullet">
/// <item>Point operations (Get, Put, PutIfAbsent, Delete) are O(1) hash lookups; a successful Get
/// allocates only the returned array, a Put allocates nothing.</item>
/// <item>Range, ReverseRange, All and ReverseAll scan the whole log and sort the matches by key bytes
/// (unsigned lexicographic, like Streamiz's stores): O(log size + m log m) for m matches.</item>
/// <item>Memory is bounded by <see cref="FasterStoreOptions"/>; records beyond the in-memory log spill
/// to a local file and are read back (more slowly) on demand, never dropped.</item>
/// <item><see cref="Flush"/> takes a FASTER checkpoint whose cookie records the changelog offsets it
/// covers; <see cref="Init"/> recovers it and steers Streamiz's changelog restore to the tail.</item>
/// <item>Thread-safe: writes come from the owning stream thread, reads may come from any thread
/// (interactive queries); each concurrent caller gets its own FASTER session.</item>
/// </list>
/// </summary>
public sealed partial class FasterKeyValueStore : IKeyValueStore<Bytes, byte[]>, IDisposable
{
    // Per-record overhead on the log (RecordInfo + two length headers), used to refuse records that can never fit a page.
    private const int RecordOverhead = 8 + 4 + 4 + 8;

    private readonly FasterStoreOptions options;
    private readonly StoreFunctions functions = new();
    private readonly ConcurrentQueue<Session> pool = new();
    private readonly ILogger log;

    private FasterKV<SpanByte, SpanByte>? kv;
    private IDevice? logDevice;
    private StoreDirectoryLock? directoryLock;
    private Session? ownerSession;
    private int ownerBusy;
    private int activeOperations;
    private volatile bool open;
    private long entries;
    private bool dirty;
    private long writesSinceCheckpoint;

    /// <summary>Creates a closed store; Streamiz opens it through <see cref="Init"/>.</summary>
    /// <param name="name">Store name (also the changelog topic's middle part).</param>
    /// <param name="options">Sizing and placement; defaults when null.</param>
    public FasterKeyValueStore(string name, FasterStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        this.options = options ?? new FasterStoreOptions();
        this.options.Validate();
        log = this.options.Logger ?? Logger.GetLogger(typeof(FasterKeyValueStore));
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>True: Streamiz keeps a changelog offset checkpoint for it and restores only the tail.</summary>
    public bool Persistent => true;

    /// <inheritdoc/>
    public bool IsLocally => true;

    /// <inheritdoc/>
    public bool IsOpen => open;

    /// <summary>Directory holding this store's log and checkpoints (null before open).</summary>
    public string? Directory { get; private set; }

    /// <summary>Log addresses: begin (oldest kept), head (oldest in memory), tail. Head above begin means records live on disk only.</summary>
    internal (long Begin, long Head, long Tail) LogAddresses =>
        kv is { } k ? (k.Log.BeginAddress, k.Log.HeadAddress, k.Log.TailAddress) : default;

    /// <summary>Number of live keys (exact: maintained on every write and carried by checkpoints).</summary>
    public long ApproximateNumEntries() => Interlocked.Read(ref entries);

    /// <summary>The key's value, or null when it has none (Streamiz's contract, although its annotation says non-null).</summary>
    public byte[] Get(Bytes key)
    {
        ArgumentNullException.ThrowIfNull(key);
        using var lease = Lease();
        return Read(lease.Session, key.Get)!;
    }

    /// <summary>Stores <paramref name="value"/>; a null value deletes the key (Streamiz's tombstone convention).</summary>
    public void Put(Bytes key, byte[]? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        using var lease = Lease();
        if (value is null) Remove(lease.Session, key.Get, wantOld: false);
        else Write(lease.Session, key.Get, value);
    }

    /// <summary>Stores the value only if the key has none; returns the existing value, or null when it wrote.</summary>
    public byte[] PutIfAbsent(Bytes key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(key);
        using var lease = Lease();
        var old = Read(lease.Session, key.Get);
        if (old is null && value is not null) Write(lease.Session, key.Get, value);
        return old!;
    }

    /// <inheritdoc/>
    public void PutAll(IEnumerable<KeyValuePair<Bytes, byte[]>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        using var lease = Lease();
        foreach (var (key, value) in entries)
        {
            ArgumentNullException.ThrowIfNull(key);
            if (value is null) Remove(lease.Session, key.Get, wantOld: false);
            else Write(lease.Session, key.Get, value);
        }
    }

    /// <summary>Deletes the key and returns the value it had (null if none).</summary>
    public byte[] Delete(Bytes key)
    {
        ArgumentNullException.ThrowIfNull(key);
        using var lease = Lease();
        return Remove(lease.Session, key.Get, wantOld: true)!;
    }

    /// <summary>
    /// Checkpoints what changed since the last checkpoint (Streamiz calls this on every commit, before writing its
    /// offset checkpoint). With <see cref="FasterStoreOptions.BackgroundCheckpoints"/> (the default) it only starts
    /// the checkpoint and returns: FASTER's concurrent checkpoint runs while the stream thread keeps processing, so a
    /// commit never stalls it. Recovery then trusts only the offsets the checkpoint itself recorded.
    /// </summary>
    public void Flush()
    {
        if (!open) throw new InvalidStateStoreException($"Store {Name} is not open");
        writtenSinceFlush = false;
        // Under exactly-once a checkpoint taken now could hold writes of a transaction that is then aborted: only a
        // clean close checkpoints (FasterKeyValueStore.ExactlyOnce.cs).
        if (exactlyOnce) return;
        if (options.BackgroundCheckpoints) CheckpointInBackground();
        else if (dirty) Checkpoint();
    }

    /// <summary>Checkpoints pending changes, then releases memory and files. Reads racing with close fail with <see cref="InvalidStateStoreException"/>.</summary>
    public void Close() => Shutdown(checkpoint: true);

    /// <summary>Same as <see cref="Close"/>.</summary>
    public void Dispose() => Close();

    /// <summary>Releases the store without a checkpoint: what a crash leaves behind (tests).</summary>
    internal void CloseWithoutCheckpoint() => Shutdown(checkpoint: false);

    private void Shutdown(bool checkpoint)
    {
        if (!open) return;
        if (checkpoint && MayCheckpointAtClose())
        {
            if (dirty || inflight is not null) Checkpoint();
            MarkCleanClose();
        }
        open = false;
        // Interactive queries may still be inside an operation: let them finish before disposing FASTER.
        var spin = new SpinWait();
        while (Volatile.Read(ref activeOperations) != 0) spin.SpinOnce();
        DisposeKv();
        directoryLock?.Dispose();
        directoryLock = null;
    }

    private void DisposeKv()
    {
        ownerSession?.Dispose();
        ownerSession = null;
        while (pool.TryDequeue(out var s)) s.Dispose();
        kv?.Dispose();
        kv = null;
        logDevice?.Dispose();
        logDevice = null;
    }

    private unsafe byte[]? Read(Session session, byte[] key)
    {
        fixed (byte* k = key)
        {
            var sk = new SpanByte(key.Length, (IntPtr)k);
            SpanByte input = default;
            byte[]? output = null;
            var status = session.Read(ref sk, ref input, ref output);
            if (status.IsPending)
            {
                // The record is in the on-disk part of the log: wait for the read (this thread only).
                session.CompletePendingWithOutputs(out var done, wait: true);
                using (done)
                {
                    if (done.Next()) { status = done.Current.Status; output = done.Current.Output; }
                }
            }
            return status.Found ? output : null;
        }
    }

    private unsafe void Write(Session session, byte[] key, byte[] value)
    {
        if (key.Length + value.Length + RecordOverhead > options.PageSizeBytes)
            throw new ArgumentException(
                $"Store {Name}: a record of {key.Length + value.Length} bytes does not fit a {options.PageSizeBytes}-byte log page; raise FasterStoreOptions.PageSizeBytes.");
        fixed (byte* k = key, v = value)
        {
            var sk = new SpanByte(key.Length, (IntPtr)k);
            var sv = new SpanByte(value.Length, (IntPtr)v);
            byte[]? output = null;
            var status = session.RMW(ref sk, ref sv, ref output);
            if (status.IsPending)
            {
                // Only when the old version is on disk: FASTER reads it to decide in-place vs new record.
                session.CompletePendingWithOutputs(out var done, wait: true);
                using (done)
                {
                    if (done.Next()) status = done.Current.Status;
                }
            }
            if (!status.Found) Interlocked.Increment(ref entries);
        }
        dirty = true;
        writtenSinceFlush = true;
        Interlocked.Increment(ref writesSinceCheckpoint);
    }

    private unsafe byte[]? Remove(Session session, byte[] key, bool wantOld)
    {
        // A read tells whether the key exists (exact count) and yields the old value Delete must return.
        var old = Read(session, key);
        if (old is null) return null;
        fixed (byte* k = key)
        {
            var sk = new SpanByte(key.Length, (IntPtr)k);
            session.Delete(ref sk);
        }
        Interlocked.Decrement(ref entries);
        dirty = true;
        writtenSinceFlush = true;
        Interlocked.Increment(ref writesSinceCheckpoint);
        return wantOld ? old : null;
    }

    private SessionLease Lease()
    {
        Interlocked.Increment(ref activeOperations);
        if (!open)
        {
            Interlocked.Decrement(ref activeOperations);
            throw new InvalidStateStoreException($"Store {Name} is not open");
        }
        // Fast path: the stream thread owns one session; anyone else (or a re-entrant call) takes a pooled one.
        if (Interlocked.CompareExchange(ref ownerBusy, 1, 0) == 0)
            return new SessionLease(this, ownerSession!, owner: true);
        return new SessionLease(this, pool.TryDequeue(out var s) ? s : NewSession(), owner: false);
    }

    private Session NewSession() =>
        kv!.For(functions).NewSession<StoreFunctions>(
            sessionVariableLengthStructSettings: new SessionVariableLengthStructSettings<SpanByte, SpanByte> { valueLength = new PutValueLength() });

    private readonly ref struct SessionLease
    {
        private readonly FasterKeyValueStore store;
        private readonly bool owner;

        public SessionLease(FasterKeyValueStore store, Session session, bool owner)
        {
            this.store = store;
            this.owner = owner;
            Session = session;
        }

        public Session Session { get; }

        public void Dispose()
        {
            if (owner) Volatile.Write(ref store.ownerBusy, 0);
            else store.pool.Enqueue(Session);
            Interlocked.Decrement(ref store.activeOperations);
        }
    }
}
