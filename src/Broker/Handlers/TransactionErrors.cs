using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>
/// PRODUCER_FENCED exists from AddPartitionsToTxn/AddOffsetsToTxn/EndTxn v2 and TxnOffsetCommit v3 on; older request
/// versions get INVALID_PRODUCER_EPOCH for the same condition, as Kafka answers clients that predate it.
/// </summary>
internal static class TransactionErrors
{
    public static short ForVersion(short error, short version, short fencedSince) =>
        error == ErrorCode.ProducerFenced && version < fencedSince ? ErrorCode.InvalidProducerEpoch : error;
}
