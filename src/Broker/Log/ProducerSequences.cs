using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Log;

/// <summary>
/// Idempotent-producer bookkeeping of one partition: per producer id its epoch, last sequence and its last five
/// batches (the most a producer has in flight), so that a retried batch is answered with the offset it first got.
/// Not thread-safe: the partition log calls it under its lock.
/// </summary>
internal sealed class ProducerSequences
{
    private const int Remembered = 5;

    private sealed class State
    {
        public short Epoch;
        public int LastSequence;
        public readonly Queue<(int FirstSequence, int LastSequence, long BaseOffset)> Recent = new();
    }

    private readonly Dictionary<long, State> _producers = new();

    /// <summary>What to do with a batch: append it, answer it as a duplicate, or refuse it.</summary>
    public readonly record struct Verdict(short Error, long DuplicateOf)
    {
        public bool IsDuplicate => DuplicateOf >= 0;
    }

    public Verdict Check(in RecordBatch batch)
    {
        if (batch.ProducerId < 0 || batch.BaseSequence < 0) return new Verdict(ErrorCode.None, -1);
        if (!_producers.TryGetValue(batch.ProducerId, out var state)) return new Verdict(ErrorCode.None, -1);
        if (batch.ProducerEpoch < state.Epoch) return new Verdict(ErrorCode.InvalidProducerEpoch, -1);
        if (batch.ProducerEpoch > state.Epoch) return new Verdict(ErrorCode.None, -1); // a new epoch starts over
        var last = LastSequenceOf(batch);
        foreach (var recent in state.Recent)
            if (recent.FirstSequence == batch.BaseSequence && recent.LastSequence == last)
                return new Verdict(ErrorCode.None, recent.BaseOffset);
        var expected = state.LastSequence == int.MaxValue ? 0 : state.LastSequence + 1;
        return batch.BaseSequence == expected
            ? new Verdict(ErrorCode.None, -1)
            : new Verdict(ErrorCode.OutOfOrderSequenceNumber, -1);
    }

    public void Appended(in RecordBatch batch, long baseOffset)
    {
        if (batch.ProducerId < 0 || batch.BaseSequence < 0) return;
        if (!_producers.TryGetValue(batch.ProducerId, out var state) || batch.ProducerEpoch != state.Epoch)
        {
            state = new State { Epoch = batch.ProducerEpoch };
            _producers[batch.ProducerId] = state;
        }
        state.LastSequence = LastSequenceOf(batch);
        state.Recent.Enqueue((batch.BaseSequence, state.LastSequence, baseOffset));
        while (state.Recent.Count > Remembered) state.Recent.Dequeue();
    }

    /// <summary>
    /// A transaction marker of <paramref name="epoch"/> was written: older epochs of the producer are refused from now
    /// on (a zombie cannot append after the coordinator moved on), and a newer epoch starts its sequences over.
    /// </summary>
    public void Fence(long producerId, short epoch)
    {
        if (_producers.TryGetValue(producerId, out var state) && state.Epoch >= epoch) return;
        _producers[producerId] = new State { Epoch = epoch, LastSequence = -1 };
    }

    private static int LastSequenceOf(in RecordBatch batch) =>
        (int)(((long)batch.BaseSequence + batch.LastOffsetDelta) % ((long)int.MaxValue + 1));
}
