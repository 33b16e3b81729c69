using FASTER.core;
using Session = FASTER.core.ClientSession<FASTER.core.SpanByte, FASTER.core.SpanByte, FASTER.core.SpanByte, byte[]?, FASTER.core.Empty, ContactCenter.Stores.Faster.StoreFunctions>;

namespace ContactCenter.Stores.Faster;

/// <summary>
/// A FASTER byte map for one owner thread: <c>FasterKV&lt;SpanByte, SpanByte&gt;</c> with the same callbacks and sizing
/// as <see cref="FasterKeyValueStore"/> (records inline, memory bounded by <see cref="FasterStoreOptions"/>, pages beyond
/// it spilled to a local log file), without Streamiz. Its directory is locked (<see cref="StoreDirectoryLock"/>) while it
/// is open and emptied at open: its owner rebuilds it from a changelog.
/// </summary>
internal sealed class FasterBytes : IDisposable
{
    private const int RecordOverhead = 8 + 4 + 4 + 8;

    private readonly FasterStoreOptions _options;
    private readonly StoreDirectoryLock _lock;
    private readonly IDevice _device;
    private readonly FasterKV<SpanByte, SpanByte> _kv;
    private readonly Session _session;

    public FasterBytes(string directory, FasterStoreOptions options)
    {
        options.Validate();
        _options = options;
        Directory.CreateDirectory(directory);
        _lock = StoreDirectoryLock.Acquire(directory, options.DirectoryLockWait);
        var log = Path.Combine(directory, "log");
        if (Directory.Exists(log)) Directory.Delete(log, recursive: true);
        _device = Devices.CreateLogDevice(Path.Combine(log, "hlog"), preallocateFile: false, deleteOnClose: true);
        _kv = new FasterKV<SpanByte, SpanByte>(new FasterKVSettings<SpanByte, SpanByte>
        {
            IndexSize = options.IndexSizeBytes,
            LogDevice = _device,
            PageSize = options.PageSizeBytes,
            SegmentSize = options.SegmentSizeBytes,
            MemorySize = options.MemorySizeBytes,
            MutableFraction = options.MutableFraction,
            ReadCacheEnabled = false,
        });
        _session = _kv.For(new StoreFunctions()).NewSession<StoreFunctions>(
            sessionVariableLengthStructSettings: new SessionVariableLengthStructSettings<SpanByte, SpanByte> { valueLength = new PutValueLength() });
    }

    public unsafe byte[]? Get(ReadOnlySpan<byte> key)
    {
        fixed (byte* k = key)
        {
            var sk = new SpanByte(key.Length, (IntPtr)k);
            SpanByte input = default;
            byte[]? output = null;
            var status = _session.Read(ref sk, ref input, ref output);
            if (status.IsPending)
            {
                _session.CompletePendingWithOutputs(out var done, wait: true);
                using (done)
                {
                    if (done.Next()) { status = done.Current.Status; output = done.Current.Output; }
                }
            }
            return status.Found ? output : null;
        }
    }

    public unsafe void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (key.Length + value.Length + RecordOverhead > _options.PageSizeBytes)
            throw new ArgumentException($"a record of {key.Length + value.Length} bytes does not fit a {_options.PageSizeBytes}-byte log page");
        fixed (byte* k = key, v = value)
        {
            var sk = new SpanByte(key.Length, (IntPtr)k);
            var sv = new SpanByte(value.Length, (IntPtr)v);
            byte[]? output = null;
            var status = _session.RMW(ref sk, ref sv, ref output);
            if (status.IsPending) _session.CompletePending(wait: true);
        }
    }

    public unsafe void Delete(ReadOnlySpan<byte> key)
    {
        fixed (byte* k = key)
        {
            var sk = new SpanByte(key.Length, (IntPtr)k);
            var status = _session.Delete(ref sk);
            if (status.IsPending) _session.CompletePending(wait: true);
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _kv.Dispose();
        _device.Dispose();
        _lock.Dispose();
    }
}
