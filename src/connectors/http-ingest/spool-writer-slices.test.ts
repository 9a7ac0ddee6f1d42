/**
 * SpoolWriter's poll of a backlog read from the file: the batch's records are decoded in slices
 * (src/util/sliced.ts), so the event loop gets turns between the read's answer and the poll's
 * (live requests, whose appends the drain waits behind, are answered meanwhile), and the batch is
 * the same: every record, in spool order.
 */
import { expect, test } from "bun:test";
import { tempDir } from "../../../test/support/temp-dir.ts";
import type { IngestRecord } from "../../ingest/ingest-record.ts";
import { SpoolStore } from "../../store/spool-store.ts";
import { spoolWriter } from "./test-support.ts";

const BACKLOG = 20_000;
const PER_REQUEST = 500;

const writer = (store: SpoolStore) => spoolWriter(store, BACKLOG);

const device = (i: number): IngestRecord => {
  const value = { device: `d${i % 16}`, n: i, payload: "x".repeat(900) };
  return { key: `d${i % 16}`, value, headers: [], partition: null, timestamp: null, bytes: 1_000 };
};

test("a full batch read from the file is decoded in slices: the event loop gets turns before the poll answers, and the batch is whole and in order", async () => {
  await using dir = await tempDir("spool-writer-slices-");
  const spooling = await SpoolStore.open(dir.path);
  const appender = writer(spooling);
  for (let from = 0; from < BACKLOG; from += PER_REQUEST) {
    const records = Array.from({ length: PER_REQUEST }, (_, k) => device(from + k));
    await appender.submit({ topic: "t1", records, signal: new AbortController().signal });
  }
  appender.close();
  await spooling.close();

  // A new process's store: nothing in memory, the drainer reads the backlog from the file.
  const store = await SpoolStore.open(dir.path);
  const drainer = writer(store);
  let answered = false;
  const read = store.read.bind(store);
  store.read = async (...args) => {
    const rows = await read(...args);
    answered = true;
    return rows;
  };
  let turns = 0;
  let polling = true;
  const turn = () => {
    if (answered) turns++;
    if (polling) setImmediate(turn);
  };
  setImmediate(turn);
  const polled = await drainer.poll(new AbortController().signal);
  polling = false;

  expect(polled).toHaveLength(BACKLOG);
  expect(polled.map((r) => (r.sourceOffset as { seq: number }).seq)).toEqual(
    Array.from({ length: BACKLOG }, (_, i) => i + 1),
  );
  expect(polled.map((r) => (r.value as { n: number }).n)).toEqual(Array.from({ length: BACKLOG }, (_, i) => i));
  // Turns of the event loop between the read's answer and the poll's: none when the batch was
  // decoded in one go.
  expect(turns).toBeGreaterThan(0);
  drainer.close();
  await store.close();
}, 60_000);
