/**
 * A spooled record Kafka refuses for good is in the spool file's quarantine before a source offset
 * past it is committed (crashhunt P2): at start a drainer deletes every row its committed offset
 * covers (SpoolStart), so an offset that reached gateway.db before the quarantine reached spool.db
 * (a kill -9 in between) made the restart delete the record, never quarantined, one a device was
 * told was safe. Checked on the runtime's WorkerSourceTask with a real SpoolStore: each offset
 * write looks at what spool.db holds then (what a kill -9 at that moment would leave).
 */
import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../../test/support/temp-dir.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { ConnectError } from "../../errors.ts";
import { MemoryKafka } from "../../kafka/memory-kafka.ts";
import { withKafkaError } from "../../kafka/send-rejection.ts";
import { memoryOffsetStore, taskBasics } from "../../runtime/task-test-support.ts";
import { SPOOL_FILE } from "../../store/spool-file.ts";
import { SpoolStore } from "../../store/spool-store.ts";
import { httpIngestSource } from "./index.ts";
import { ingestServices, ingestSourceTask, SPOOL_CONFIG } from "./test-support.ts";

const VALUES = Array.from({ length: 8 }, (_, i) => `v${i}`);
const never = new AbortController().signal;

const lateDeletes = new URL("../../../test/fixtures/spool-worker/late-delete-worker.ts", import.meta.url);

test("a record Kafka refuses for good is in the spool file's quarantine before an offset past it is committed", async () => {
  await using dir = await tempDir("spool-quarantine-commit-");
  const store = await SpoolStore.open(dir.path, { workerUrl: lateDeletes });
  const kafka = new MemoryKafka();
  kafka.rejectRecords(
    (r) => new TextDecoder().decode(r.value!) === "v3",
    () =>
      withKafkaError(new ConnectError("Kafka rejected 1 record(s) for t-0: INVALID_TIMESTAMP"), "INVALID_TIMESTAMP"),
  );
  // The quarantined records in what a kill -9 would leave of spool.db now (a copy, recovered by its own open).
  let copies = 0;
  const quarantined = () => {
    const copy = join(dir.path, `copy-${copies++}.db`);
    for (const suffix of ["", "-wal"])
      if (existsSync(join(dir.path, SPOOL_FILE + suffix)))
        copyFileSync(join(dir.path, SPOOL_FILE + suffix), copy + suffix);
    const db = new Database(copy);
    try {
      return db.query("SELECT seq FROM spool_quarantine").all().length;
    } finally {
      db.close();
    }
  };
  // Each offset write: the committed sequence and what a kill -9 would have left quarantined then.
  const writes: { seq: number; quarantined: number }[] = [];
  const offsets = memoryOffsetStore();
  const write = offsets.write.bind(offsets);
  offsets.write = (connector, entries) => {
    for (const e of entries) writes.push({ seq: Number(e.offset!.seq), quarantined: quarantined() });
    write(connector, entries);
  };
  const { services, writer } = ingestServices({ spool: store });
  const { task } = ingestSourceTask({
    services,
    kafka,
    config: SPOOL_CONFIG,
    basics: taskBasics("none"),
    options: { keepOrder: httpIngestSource().keepsOrder?.(SPOOL_CONFIG) ?? false, offsets, offsetFlushIntervalMs: 0 },
  });
  task.start();
  await waitFor(() => writer() !== undefined);
  const submit = async (values: string[]) => {
    const records = values.map((value) => ({ key: "k", value, headers: [], partition: null, timestamp: 7, bytes: 2 }));
    const outcomes = await writer()!.submit({ topic: "t", records, signal: never });
    expect(outcomes.map((o) => o.kind)).toEqual(values.map(() => "spooled"));
  };
  // v3 (sequence 4) is refused; the next request's poll returns while its quarantine is not written
  // yet (the worker runs it after the third request's append).
  await submit(VALUES);
  await waitFor(() => kafka.records("t").length === 7, { what: "the first request drained" });
  await submit(["v8"]);
  await waitFor(() => kafka.records("t").length === 8, { what: "the second request drained" });
  await submit(["v9"]);
  await waitFor(() => kafka.records("t").length === 9, { what: "the third request drained" });
  task.stop();
  expect(await task.awaitStop(5000)).toBe(true);
  await store.close();
  expect(writes.at(-1)?.seq).toBe(10);
  expect(writes.filter((w) => w.seq >= 4 && w.quarantined === 0)).toEqual([]);
  expect(quarantined()).toBe(1);
});
