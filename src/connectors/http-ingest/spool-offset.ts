/**
 * The HttpIngestSource connector's source offsets: in `ingest.ack.mode=spool` its spool is its one
 * source partition, `{"spool": <connector>}`, and the offset `{"seq": <sequence>}` the last spool
 * row delivered (the task's start deletes the rows up to it and drains from the next). In kafka
 * mode its records carry no source offset: the HTTP client holds the data until it is answered.
 * The task and SpoolWriter write them; the connector's `alterOffsets` checks offsets written
 * through the REST API against them (`validateAlteredOffsets`).
 */

import { unboxDouble } from "../../api/data/java-double.ts";
import type { SourceMap } from "../../api/record.ts";
import { ConnectError } from "../../errors.ts";

const PARTITION_KEY = "spool";
const SEQ_KEY = "seq";

/** The source partition of `connector`'s spool. */
export function spoolPartition(connector: string): SourceMap {
  return { [PARTITION_KEY]: connector };
}

/**
 * Checks offsets written through PATCH /connectors/{c}/offsets (the connector's alterOffsets), as
 * Apache's FileStreamSourceConnector checks its own: in spool mode only the connector's spool
 * partition, with `{"seq": <non-negative integer>}` (`5.0` too: the task reads it as 5); in kafka
 * mode none. A removal (a null offset) passes for any partition, so offsets stored before these
 * checks (or in spool mode before a switch to kafka) can go, and a reset lists every stored one.
 * Returns the sequence written, if any.
 */
export function validateAlteredOffsets(
  connector: string,
  spool: boolean,
  offsets: ReadonlyArray<{ partition: SourceMap; offset: SourceMap | null }>,
): number | undefined {
  let written: number | undefined;
  for (const { partition, offset } of offsets) {
    if (offset === null) continue;
    if (!spool)
      throw new ConnectError(
        "Offsets cannot be modified when ingest.ack.mode=kafka: its records carry no source offset (an HTTP client holds its data until it is answered), only a connector in ingest.ack.mode=spool has one, its spool's",
      );
    const keys = partition === null || partition === undefined ? [] : Object.keys(partition);
    if (keys.length !== 1 || partition[PARTITION_KEY] !== connector)
      throw new ConnectError(
        `Partition objects should contain only the key '${PARTITION_KEY}' with the connector's name: {"${PARTITION_KEY}":${JSON.stringify(connector)}} is its only source partition`,
      );
    if (Object.keys(offset).join() !== SEQ_KEY)
      throw new ConnectError(`Offset objects should either be null or contain only the key '${SEQ_KEY}'`);
    const seq = unboxDouble(offset[SEQ_KEY]);
    // A bigint: beyond 2^53, which the task's number does not hold (and no spool reaches).
    if (typeof seq !== "number" || !Number.isSafeInteger(seq))
      throw new ConnectError(
        `The value for the '${SEQ_KEY}' key in the offset is expected to be a Long value up to ${Number.MAX_SAFE_INTEGER} (a spool sequence)`,
      );
    if (seq < 0)
      throw new ConnectError(`The value for the '${SEQ_KEY}' key in the offset should be a non-negative value`);
    written = seq;
  }
  return written;
}
