/**
 * Devices posting steadily to a spool-mode ingest route for the store-and-forward tests
 * (test/ingest-spool-live.test.ts): device `d` posts, once per tick of a shared clock (a fixed
 * request rate: a device whose request is still waiting skips no tick, it posts at the next one), a
 * JSON array of the next numbers of its own sequence with `device-<d>` as the record key (the
 * route's key header). Each record is sorted by what its request got: a 2xx (acknowledged), another
 * answer or none (the gateway was down or died: no claim). The target URL may change (a gateway
 * restarted on port 0) or be absent (no gateway: the tick passes). `spoolDelivery` compares what a
 * topic holds with what was acknowledged, per key.
 */

export interface LiveRecord {
  readonly d: number;
  readonly n: number;
}

export interface LiveDevices {
  /** Numbers acknowledged (2xx), per device. */
  readonly acked: number[][];
  /** Acknowledged records so far, all devices together. */
  ackedCount(): number;
  /** The route's full URL the devices post to from the next tick on (undefined: none is up). */
  target: string | undefined;
  /** Records per request from the next tick on (a burst: a backlog spooled faster). */
  batch: number;
  /** Stops the clock and awaits the requests in flight. */
  stop(): Promise<void>;
}

/** `devices` loops, each posting `batch` records (of about `valueBytes`) every `tickMs` (or, slower, when its last request answered). */
export function startLiveDevices(o: {
  devices: number;
  batch: number;
  tickMs: number;
  valueBytes: number;
  target?: string;
}): LiveDevices {
  const acked = Array.from({ length: o.devices }, () => [] as number[]);
  let count = 0;
  let stopped = false;
  let tick: () => void = () => {};
  let next = new Promise<void>((resolve) => {
    tick = resolve;
  });
  const clock = setInterval(() => {
    const fire = tick;
    next = new Promise<void>((resolve) => {
      tick = resolve;
    });
    fire();
  }, o.tickMs);
  const pad = "x".repeat(Math.max(0, o.valueBytes - 30));
  const devices: LiveDevices = {
    acked,
    ackedCount: () => count,
    target: o.target,
    batch: o.batch,
    async stop() {
      stopped = true;
      clearInterval(clock);
      tick();
      await Promise.all(loops);
    },
  };
  const loop = async (d: number) => {
    let n = 0;
    while (!stopped) {
      await next;
      const url = devices.target;
      if (stopped || url === undefined) continue;
      const first = n;
      const batch = devices.batch;
      n += batch;
      const body = JSON.stringify(Array.from({ length: batch }, (_, i) => ({ d, n: first + i, pad })));
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-Kafka-Key": `device-${d}` },
          body,
        });
        await response.arrayBuffer();
        if (response.status >= 200 && response.status < 300) {
          for (let i = first; i < n; i++) acked[d]!.push(i);
          count += batch;
        }
      } catch {
        // the gateway was down or died mid-request: not acknowledged, may or may not be in Kafka
      }
    }
  };
  const loops = acked.map((_, d) => loop(d));
  return devices;
}

/**
 * What `records` (a topic, in offset order per partition) hold against `devices`' acknowledged
 * records: acknowledged ones missing, copies beyond the first, keys whose records are not all in
 * one partition or whose first copies are not in sequence order (a later record ahead of an
 * earlier one), and keys whose record key is not `device-<d>`. With `mark` (each partition's end
 * offset at some moment, say a graceful stop): copies after the mark of records already there
 * before it (`resentAfterMark`).
 */
export function spoolDelivery(
  records: readonly {
    key?: Buffer | string | null;
    partition: number;
    offset: number | string;
    value: Buffer | string | null;
  }[],
  devices: Pick<LiveDevices, "acked">,
  mark?: ReadonlyMap<number, number>,
) {
  const seen = devices.acked.map(() => new Set<number>());
  const beforeMark = devices.acked.map(() => new Set<number>());
  let resentAfterMark = 0;
  const firstSeen = devices.acked.map(() => [] as number[]);
  const partitions = devices.acked.map(() => new Set<number>());
  let duplicates = 0;
  let wrongKey = 0;
  for (const r of records) {
    const { d, n } = JSON.parse(String(r.value)) as LiveRecord;
    if (r.key !== undefined && String(r.key) !== `device-${d}`) wrongKey++;
    partitions[d]!.add(r.partition);
    if (mark !== undefined) {
      if (Number(r.offset) < (mark.get(r.partition) ?? 0)) beforeMark[d]!.add(n);
      else if (beforeMark[d]!.has(n)) resentAfterMark++;
    }
    if (seen[d]!.has(n)) {
      duplicates++;
      continue;
    }
    seen[d]!.add(n);
    firstSeen[d]!.push(n);
  }
  const lost = devices.acked.flatMap((ns, d) => ns.filter((n) => !seen[d]!.has(n)).map((n) => `${d}/${n}`));
  const outOfOrder = firstSeen.flatMap((ns, d) => (ns.some((n, i) => i > 0 && n <= ns[i - 1]!) ? [`device-${d}`] : []));
  const split = partitions.flatMap((ps, d) => (ps.size > 1 ? [`device-${d}`] : []));
  const acked = devices.acked.reduce((sum, ns) => sum + ns.length, 0);
  return { acked, inKafka: records.length, lost, duplicates, resentAfterMark, outOfOrder, split, wrongKey };
}
