/** Whether a request's records fit a connector's spool and the worker's (SpoolWriter's backpressure). */
export interface SpoolRoom {
  readonly connector: string;
  /** Bytes the connector's spool holds, appends in flight included. */
  readonly held: number;
  /** ingest.spool.max.bytes */
  readonly maxBytes: number;
  /** Bytes every connector's spool holds, appends in flight included. */
  readonly total: number;
  /** ingest.spool.total.max.bytes (worker), null for none. */
  readonly totalMax: number | null;
}

/**
 * Why `size` more bytes are refused (a 503 with Retry-After), or undefined when they fit. A connector
 * holding nothing is let through: one request per connector may pass the caps, so none is refused
 * forever, and rows no drainer empties (a deleted connector's, a paused one's) never refuse every
 * other connector for good.
 */
export function spoolRoomRefusal(room: SpoolRoom, size: number): string | undefined {
  const { connector, held, maxBytes, total, totalMax } = room;
  if (held === 0) return undefined;
  if (held + size > maxBytes)
    return `The spool of connector ${connector} is full (${held} bytes, ingest.spool.max.bytes=${maxBytes}); retry later`;
  if (totalMax !== null && total + size > totalMax)
    return `The spool of this worker is full (${total} bytes held by all its connectors, ingest.spool.total.max.bytes=${totalMax}); retry later`;
  return undefined;
}
