/**
 * The test's own broker (own-broker.ts) across a kill -9: one with the default listeners (PLAINTEXT alone) on ports
 * below the ephemeral range, which a broker started while it is down does not choose; and one whose restart finds one
 * of its listeners' ports taken (a listener bound meanwhile; a connection's local port when the ports were still chosen
 * in the ephemeral range, ci169). And two started at once, which scripts/kafka gives different ports.
 */
import { describe, expect, spyOn, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { committedOffsets, readOwnTopic, startOwnBroker } from "./own-broker.ts";
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
    await using kafka = await startOwnBroker(dir.file("kafka"), "", { listeners: ["PLAINTEXT", "MTLS"] });
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

/** The ports scripts/kafka chose for the broker with state dir `stateDir`, by listener (plain, ctrl, …). */
function chosenPorts(stateDir: string): Record<string, number> {
  return Object.fromEntries(
    [...readFileSync(join(stateDir, "ports"), "utf8").matchAll(/^ports\.(\w+)=(\d+)$/gm)].map((m) => [
      m[1]!,
      Number(m[2]),
    ]),
  );
}

/** The lowest port of the system's ephemeral range (a connection's local port is never below it). */
function ephemeralLow(): number {
  return Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
}

describe("the test's own broker with the default listeners", () => {
  test("binds PLAINTEXT and its controller alone, below the ephemeral range, kept from another broker's start while it is down, and restarts after a kill -9 with its records and committed offsets", async () => {
    await using dir = await tempDir("own-broker-plain-");
    await using kafka = await startOwnBroker(dir.file("kafka"));
    expect(Object.keys(kafka.info).sort()).toEqual([
      "bootstrap",
      "cluster_id",
      "controller",
      "node_id",
      "pid",
      "version",
    ]);
    const ports = chosenPorts(dir.file("kafka"));
    expect(Object.keys(ports).sort()).toEqual(["ctrl", "plain"]);
    expect(ports.plain).toBe(Number(kafka.bootstrap.split(":")[1]));
    expect(kafka.info.controller).toBe(`1@127.0.0.1:${ports.ctrl}`);
    for (const port of Object.values(ports)) expect(port).toBeLessThan(ephemeralLow());

    const producer = kafka.client().producer();
    await producer.connect();
    await producer.send({ topic: "kept", acks: -1, messages: [{ key: "k", value: "v" }] });
    await producer.disconnect();
    const admin = kafka.client().admin();
    await admin.connect();
    await admin.setOffsets({ groupId: "kept-group", topic: "kept", partitions: [{ partition: 0, offset: "1" }] });
    await admin.disconnect();

    await kafka.kill();
    // A broker started while this one is down chooses none of its ports, free as they are (scripts/kafka's claims).
    await using other = await startOwnBroker(dir.file("other"));
    expect(Object.values(chosenPorts(dir.file("other"))).filter((p) => Object.values(ports).includes(p))).toEqual([]);
    expect(other.bootstrap).not.toBe(kafka.bootstrap);
    await kafka.restart();
    // Read at once: the group coordinator may still be loading the offsets topic (committedOffsets asks again).
    expect(await committedOffsets(kafka, "kept-group", "kept")).toEqual(new Map([[0, 1]]));
    expect(await readOwnTopic(kafka, "kept")).toEqual([{ partition: 0, offset: 0, key: "k", value: "v" }]);
  }, 300_000);
});

describe("brokers of tests' own started at once", () => {
  test("choose different ports the first time: no broker is started again for a port the other bound", async () => {
    await using dir = await tempDir("own-broker-at-once-");
    const [a, b] = await Promise.all([startOwnBroker(dir.file("a")), startOwnBroker(dir.file("b"))]);
    await using _a = a;
    await using _b = b;
    const [portsA, portsB] = [Object.values(chosenPorts(dir.file("a"))), Object.values(chosenPorts(dir.file("b")))];
    expect(portsA.filter((p) => portsB.includes(p))).toEqual([]);
    for (const name of ["a", "b"]) {
      expect(readFileSync(join(dir.file(name), "broker.log"), "utf8")).not.toContain("Address already in use");
    }
  }, 300_000);
});
