import { describe, expect, test } from "bun:test";
import { SpoolWorkerChannel } from "./spool-worker-channel.ts";

// Answers `open` only: a read to it waits until the channel ends.
const silentWorker = new URL("../../test/fixtures/spool-worker/dying-worker.ts", import.meta.url);

describe("SpoolWorkerChannel", () => {
  test("end rejects the calls still waiting, and every call after it", async () => {
    const channel = new SpoolWorkerChannel(silentWorker, { notice: () => {}, died: () => {} });
    await channel.call({ op: "open", id: channel.id(), dataDir: "unused" });
    const waiting = channel.call({ op: "read", id: channel.id(), partition: "c1", after: 0, limit: 1 });
    channel.end();
    await expect(waiting).rejects.toThrow("The spool is closed");
    await expect(channel.call({ op: "close", id: channel.id() })).rejects.toThrow("The spool is closed");
  });
});
