/**
 * The drainer's poll batches while devices keep appending (DrainReads): a backlog drains in
 * batches of ingest.poll.max.records while nothing is appended, in batches of at most LIVE_READ_ROWS
 * (2,000) while devices' appends arrive (so a live request waits behind smaller pieces of the drain), and
 * in full batches again once they stop; every row once, in spool order, the live ones after the
 * backlog. A read started ahead is sized when it starts, so a change shows one batch later.
 */
import { expect, test } from "bun:test";
import { tempDir } from "../../../test/support/temp-dir.ts";
import type { IngestRecord } from "../../ingest/ingest-record.ts";
import { SpoolStore } from "../../store/spool-store.ts";
import { LIVE_READ_ROWS } from "./drain-reads.ts";
import { spoolWriter } from "./test-support.ts";

const BACKLOG = 30_000;
const MAX_POLL = 8_000;
const PER_REQUEST = 500;

const writer = (store: SpoolStore) => spoolWriter(store, MAX_POLL);

const device = (n: number): IngestRecord => ({
  key: `d${n % 16}`,
  value: { n, payload: "x".repeat(100) },
  headers: [],
  partition: null,
  timestamp: null,
  bytes: 120,
});
const submission = (records: IngestRecord[]) => ({ topic: "t1", records, signal: new AbortController().signal });

test("poll batches shrink to LIVE_READ_ROWS while devices' appends arrive and return to ingest.poll.max.records when they stop; every row once, in order", async () => {
  await using dir = await tempDir("drain-reads-");
  const spooling = await SpoolStore.open(dir.path);
  const appender = writer(spooling);
  for (let from = 0; from < BACKLOG; from += PER_REQUEST)
    await appender.submit(submission(Array.from({ length: PER_REQUEST }, (_, k) => device(from + k))));
  appender.close();
  await spooling.close();

  // A new process's store: the drainer reads the backlog from the file.
  const store = await SpoolStore.open(dir.path);
  const drainer = writer(store);
  const signal = new AbortController().signal;
  const sizes: number[] = [];
  const seqs: number[] = [];
  const values: number[] = [];
  const poll = async () => {
    const batch = await drainer.poll(signal);
    sizes.push(batch.length);
    for (const r of batch) {
      seqs.push((r.sourceOffset as { seq: number }).seq);
      values.push((r.value as { n: number }).n);
    }
  };

  await poll(); // idle
  for (let live = 0; live < 3; live++) {
    await drainer.submit(submission([device(BACKLOG + live)])); // a device's record, durable
    await poll();
  }
  while (seqs.length < BACKLOG + 3) await poll(); // idle again

  expect(sizes).toEqual([
    MAX_POLL, // idle
    MAX_POLL, // read ahead before the first append
    LIVE_READ_ROWS, // read while appends arrive
    LIVE_READ_ROWS,
    LIVE_READ_ROWS, // read ahead before the appends stopped
    MAX_POLL, // idle again
    BACKLOG + 3 - 2 * MAX_POLL - 3 * LIVE_READ_ROWS - MAX_POLL, // the rest, the live records last
  ]);
  expect(seqs).toEqual(Array.from({ length: BACKLOG + 3 }, (_, i) => i + 1));
  expect(values).toEqual(Array.from({ length: BACKLOG + 3 }, (_, i) => i));
  drainer.close();
  await store.close();
}, 60_000);
