/**
 * kafkajs patch 25 (scripts/patches/kafkajs-revoke-heartbeat.mjs): the consumer group heartbeats while the member
 * prepares its join (the gateway's revocation, in a hook before the broker's joinGroup, as withJoinHook does), until
 * the JoinGroup request goes out. Its ConsumerGroup and Broker driven through their own join path, the coordinator's
 * requests answered here; test/kafka-port-revoke-heartbeat.test.ts shows the member kept against the real broker.
 */
import { afterAll, afterEach, describe, expect, spyOn, test } from "bun:test";
import { KafkaJSConnectionError } from "kafkajs";
import { createErrorFromCode } from "kafkajs/src/protocol/error";
import { waitFor } from "../../../test/support/wait-for.ts";
import { deferred } from "../../util/async.ts";
import { sendRequestKey } from "./protocol.ts";

const Broker = require("kafkajs/src/broker/index.js") as { prototype: object };
const ConsumerGroup = require("kafkajs/src/consumer/consumerGroup.js") as new (options: object) => Group;
type Group = {
  memberId: string | null;
  generationId: number | null;
  heartbeatInterval: number;
  stopping: AbortController;
  assigners: unknown[];
};

const HEARTBEAT_MS = 7; // a delay nothing else here schedules: the preparation's timers are the calls with it
const REBALANCE_IN_PROGRESS = 27;
const UNKNOWN_MEMBER_ID = 25;
const ILLEGAL_GENERATION = 22;
const join = Object.getOwnPropertySymbols(ConsumerGroup.prototype).find(
  (s) => s.description === "private:ConsumerGroup:join",
)!;

/**
 * A member (id `memberId`, generation 3 unless given) whose join's revocation runs until `revoked` resolves; its
 * coordinator answers every heartbeat with `answer`'s error (REBALANCE_IN_PROGRESS unless given) and the JoinGroup
 * with generation 4.
 */
function member(
  memberId: string | null,
  {
    rebalanceTimeout = 60_000,
    generationId = 3 as number | null,
    answer = (): Error => createErrorFromCode(REBALANCE_IN_PROGRESS),
    setUp = (_group: Group) => {},
  } = {},
) {
  const revoked = deferred<void>();
  const heartbeats: unknown[] = [];
  const sent: string[] = [];
  const coordinator = Object.assign(Object.create(Broker.prototype), {
    lookupRequest: () => (request: object) => request,
    heartbeat: async (request: unknown) => {
      heartbeats.push(request);
      sent.push("Heartbeat");
      throw answer();
    },
  });
  coordinator[sendRequestKey(coordinator)] = async () => {
    sent.push("JoinGroup");
    return { generationId: 4, leaderId: "m", memberId: "m", members: [], groupProtocol: "roundrobin" };
  };
  // As withJoinHook: the revocation runs before the broker's own joinGroup sends the request.
  const brokerJoin = coordinator.joinGroup.bind(coordinator);
  coordinator.joinGroup = async (request: object) => {
    await revoked.promise;
    return brokerJoin(request);
  };
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const group = new ConsumerGroup({
    logger: { namespace: () => silent },
    retry: {},
    cluster: { findGroupCoordinator: async () => coordinator },
    groupId: "g",
    topics: ["t"],
    assigners: [{ protocol: () => ({ name: "roundrobin", metadata: Buffer.alloc(0) }) }],
    sessionTimeout: 6000,
    rebalanceTimeout,
    heartbeatInterval: HEARTBEAT_MS,
  });
  Object.assign(group, { memberId, generationId });
  setUp(group);
  const joined = (group as unknown as Record<symbol, () => Promise<void>>)[join]!();
  return { group, revoked, heartbeats, sent, joined };
}

describe("kafkajs revoke-heartbeat patch (patch 25)", () => {
  const setTimer = spyOn(globalThis, "setTimeout");
  const clearTimer = spyOn(globalThis, "clearTimeout");
  afterEach(() => {
    setTimer.mockClear();
    clearTimer.mockClear();
  });
  // bun test runs many files in one process: a spy left on the global timers made a later file's own setTimeout spy
  // call itself (kafkajs-cluster-retry-patch.test.ts: "Maximum call stack size exceeded", ci198).
  afterAll(() => {
    setTimer.mockRestore();
    clearTimer.mockRestore();
  });
  /** The preparation's timers, in the order scheduled. */
  const heartbeatTimers = () =>
    setTimer.mock.calls.flatMap((args, i) => (args[1] === HEARTBEAT_MS ? [setTimer.mock.results[i]!.value] : []));
  /** Whether its last timer was cleared: no heartbeat is scheduled any more. */
  const noneScheduled = () => clearTimer.mock.calls.some(([timer]) => timer === heartbeatTimers().at(-1));

  test("heartbeats while the revocation runs, through REBALANCE_IN_PROGRESS answers, until the JoinGroup goes out", async () => {
    const m = member("m-1");
    await waitFor(() => m.heartbeats.length >= 3, { what: "heartbeats during the revocation" });
    expect(m.heartbeats[0]).toEqual({ groupId: "g", memberId: "m-1", groupGenerationId: 3 });
    m.revoked.resolve();
    await m.joined;
    expect({ memberId: m.group.memberId, generationId: m.group.generationId }).toEqual({
      memberId: "m",
      generationId: 4,
    });
    expect(noneScheduled()).toBe(true);
    expect(m.sent.at(-1)).toBe("JoinGroup");
    expect(m.sent.slice(0, -1).every((request) => request === "Heartbeat")).toBe(true);
  });

  test("a stop during the revocation ends them at once, no timer left", async () => {
    const m = member("m-1");
    await waitFor(() => m.heartbeats.length >= 1, { what: "a heartbeat during the revocation" });
    m.group.stopping.abort();
    expect(noneScheduled()).toBe(true);
    const sent = m.heartbeats.length;
    m.revoked.resolve();
    await m.joined;
    expect(m.heartbeats).toHaveLength(sent);
  });

  test("none once the rebalance timeout (max.poll.interval.ms) passed since the preparation started", async () => {
    const m = member("m-1", { rebalanceTimeout: 0 });
    await waitFor(() => heartbeatTimers().length === 1 && noneScheduled(), { what: "the first timer, ended" });
    expect(m.heartbeats).toEqual([]);
    m.revoked.resolve();
    await m.joined;
    expect(heartbeatTimers()).toHaveLength(1);
  });

  test("none without a member id (a new member joining)", async () => {
    const m = member(null);
    m.revoked.resolve();
    await m.joined;
    expect([heartbeatTimers(), m.sent]).toEqual([[], ["JoinGroup"]]);
  });

  test("none without a generation (a stopped runner's member rejoining through a new consumer group)", async () => {
    const m = member("m-1", { generationId: null });
    m.revoked.resolve();
    await m.joined;
    expect([heartbeatTimers(), m.sent]).toEqual([[], ["JoinGroup"]]);
  });

  test.each([
    ["UNKNOWN_MEMBER_ID", UNKNOWN_MEMBER_ID],
    ["ILLEGAL_GENERATION", ILLEGAL_GENERATION],
  ])("a heartbeat answered %s ends them: the member or its generation is gone", async (_name, code) => {
    const m = member("m-1", { answer: () => createErrorFromCode(code) });
    await waitFor(() => m.heartbeats.length === 1 && noneScheduled(), { what: "the first heartbeat, ended" });
    expect(heartbeatTimers()).toHaveLength(1);
    m.revoked.resolve();
    await m.joined;
    expect(m.sent).toEqual(["Heartbeat", "JoinGroup"]);
  });

  test("a connection error does not end them", async () => {
    const m = member("m-1", { answer: () => new KafkaJSConnectionError("Connection closed") });
    await waitFor(() => m.heartbeats.length >= 3, { what: "heartbeats after connection errors" });
    m.revoked.resolve();
    await m.joined;
    expect(noneScheduled()).toBe(true);
  });

  test("a join request that fails to build starts none", async () => {
    const m = member("m-1", {
      setUp: (group) => {
        group.assigners = [
          {
            protocol: () => {
              throw new Error("assigner failed");
            },
          },
        ];
      },
    });
    m.revoked.resolve();
    await expect(m.joined).rejects.toThrow("assigner failed");
    expect([heartbeatTimers(), m.sent]).toEqual([[], []]);
  });
});
