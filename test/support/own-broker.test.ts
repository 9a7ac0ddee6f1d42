/**
 * The test's own broker (own-broker.ts) across a kill -9 whose restart finds one of its listeners' ports taken, as a
 * connection given it as its local port takes it while the broker is down (the ports are in the ephemeral range).
 */
import { describe, expect, spyOn, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { startOwnBroker } from "./own-broker.ts";
import { holding } from "./tcp-forwarder.ts";
import { tempDir } from "./temp-dir.ts";
import { waitFor } from "./wait-for.ts";

/** Whether 127.0.0.1:`port` accepts a connection. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

describe("restart() of the test's own broker (ci169)", () => {
  test("whose MTLS port was taken while it was down returns only once the broker started, on the same ports", async () => {
    await using dir = await tempDir("own-broker-restart-");
    await using kafka = await startOwnBroker(dir.file("kafka"));
    const log = join(dir.file("kafka"), "broker.log");
    const mtls = Number(kafka.info.bootstrap_mtls!.split(":")[1]);
    await kafka.kill();
    const from = readFileSync(log).length;
    const taken = await holding(mtls);
    const said = spyOn(console, "error");
    const restarting = kafka.restart();
    // The restarted broker answers on its PLAINTEXT listener, then exits: it could not bind the MTLS port. The port is
    // let go once the restart waits for it (or, wrongly, once the broker was started into it a second time).
    const fatal = /Exiting Kafka due to fatal exception/g;
    const exits = () => readFileSync(log).subarray(from).toString("utf8").match(fatal)?.length ?? 0;
    await waitFor(() => said.mock.calls.some((c) => String(c[0]).includes("once its ports are free")) || exits() >= 2, {
      timeoutMs: 120_000,
      what: "the restart to wait for the taken port",
    });
    said.mockRestore();
    await taken.release();
    await restarting;
    expect(exits()).toBe(1);
    // What restart() returned is a broker that started (its MTLS listener bound), not one that answered on its
    // PLAINTEXT port and then exited.
    expect(await accepts(mtls)).toBe(true);
    const admin = kafka.client().admin();
    await admin.connect();
    try {
      expect((await admin.describeCluster()).brokers.map((b) => b.port)).toEqual([
        Number(kafka.bootstrap.split(":")[1]),
      ]);
    } finally {
      await admin.disconnect();
    }
  }, 300_000);
});
