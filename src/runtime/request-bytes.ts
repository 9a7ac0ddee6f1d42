import type { ProducerRecord } from "../kafka/kafka-port.ts";

/** Per-record framing in a Kafka record batch, roughly: enough to keep estimates on the safe side. */
const RECORD_OVERHEAD_BYTES = 64;

/** The estimated size of one record in a produce request. */
export function recordBytes(r: ProducerRecord): number {
  let n = RECORD_OVERHEAD_BYTES + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers) n += h.key.length + (h.value?.length ?? 0) + 8;
  return n;
}
