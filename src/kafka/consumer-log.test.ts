import { describe, expect, test } from "bun:test";
import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { ConsumerLog, fetchPositionString } from "./consumer-log.ts";

const INTERNALS = "org.apache.kafka.clients.consumer.internals";

/** The lines written, without their timestamps. */
function capture(rootLevel: "INFO" | "WARN" = "INFO"): { logs: LogManager; lines: string[] } {
  const lines: string[] = [];
  const logs = new LogManager({ rootLevel, sink: (l) => lines.push(l.replace(/^\[[^\]]+\] /, "")) });
  return { logs, lines };
}

describe("ConsumerLog", () => {
  test("lines carry the task's context and Java's consumer prefix; ConsumerUtils' line only the task's", () => {
    const { logs, lines } = capture();
    const log = new ConsumerLog(logs, { clientId: "c-0", groupId: "connect-s", logContext: "[s|task-0]" });
    log.assigned([
      { topic: "b", partition: 0 },
      { topic: "a", partition: 10 },
      { topic: "a", partition: 2 },
    ]);
    log.committedPosition({ topic: "a", partition: 2 }, 7n, { id: 1, node: { host: "k", port: 9092 }, epoch: 3 });
    log.seek({ topic: "a", partition: 2 }, 5);
    expect(lines).toEqual([
      `INFO [s|task-0] [Consumer clientId=c-0, groupId=connect-s] Adding newly assigned partitions: a-2, a-10, b-0 (${INTERNALS}.ConsumerRebalanceListenerInvoker)`,
      `INFO [s|task-0] Setting offset for partition a-2 to the committed offset FetchPosition{offset=7, offsetEpoch=Optional.empty, currentLeader=LeaderAndEpoch{leader=Optional[k:9092 (id: 1 rack: null isFenced: false)], epoch=3}} (${INTERNALS}.ConsumerUtils)`,
      `INFO [s|task-0] [Consumer clientId=c-0, groupId=connect-s] Seeking to offset 5 for partition a-2 (${INTERNALS}.ClassicKafkaConsumer)`,
    ]);
  });

  test("an assignment outside the subscription: SubscriptionState's line, then the coordinator's rejoin (staticsub)", () => {
    const { logs, lines } = capture();
    const log = new ConsumerLog(logs, { clientId: "c", groupId: "g" });
    const assigned = [
      { topic: "x1", partition: 1 },
      { topic: "x1", partition: 0 },
    ];
    log.assignmentNotSubscribed({ topic: "x1", partition: 1 }, assigned, ["x2", "x3"]);
    log.assignmentNotSubscribed({ topic: "x1", partition: 1 }, assigned, "x[23]");
    const rejoin = (subscription: string) =>
      `INFO [Consumer clientId=c, groupId=g] Request joining group due to: received assignment [x1-1, x1-0] does not match the current subscription Subscribe(${subscription}); it is likely that the subscription has changed since we joined the group, will re-join with current subscription (${INTERNALS}.ConsumerCoordinator)`;
    expect(lines).toEqual([
      `INFO [Consumer clientId=c, groupId=g] Assigned partition x1-1 for non-subscribed topic; subscription is [x2, x3] (${INTERNALS}.SubscriptionState)`,
      rejoin("x2,x3"),
      `INFO [Consumer clientId=c, groupId=g] Assigned partition x1-1 for non-subscribed topic regex pattern; subscription pattern is x[23] (${INTERNALS}.SubscriptionState)`,
      rejoin("x[23]"),
    ]);
  });

  test("a static member's prefix names its instance id; without a task context only Java's prefix", () => {
    const { logs, lines } = capture();
    const log = new ConsumerLog(logs, { clientId: "c", groupId: "g", groupInstanceId: "i-1" });
    log.lost([{ topic: "t", partition: 0 }], false);
    expect(lines).toEqual([
      `INFO [Consumer instanceId=i-1, clientId=c, groupId=g] Lost previously assigned partitions t-0 (${INTERNALS}.ConsumerRebalanceListenerInvoker)`,
    ]);
  });

  test("an unknown leader and coordinator are left out as Java prints absent values", () => {
    expect(fetchPositionString(0n)).toBe(
      "FetchPosition{offset=0, offsetEpoch=Optional.empty, currentLeader=LeaderAndEpoch{leader=Optional.empty, epoch=absent}}",
    );
    const { logs, lines } = capture();
    const log = new ConsumerLog(logs, { clientId: "c", groupId: "g" });
    log.leaving("closing", "m-1", null);
    log.leaving("pollTimeout", "m-1", 2, new Map([[2, { host: "h", port: 1, rack: "r" }]]));
    const reset = [
      `INFO [Consumer clientId=c, groupId=g] Resetting generation and member id due to: consumer pro-actively leaving the group (${INTERNALS}.ConsumerCoordinator)`,
      `INFO [Consumer clientId=c, groupId=g] Request joining group due to: consumer pro-actively leaving the group (${INTERNALS}.ConsumerCoordinator)`,
    ];
    expect(lines).toEqual([
      `INFO [Consumer clientId=c, groupId=g] Member m-1 sending LeaveGroup request to coordinator due to the consumer is being closed (${INTERNALS}.ConsumerCoordinator)`,
      ...reset,
      `INFO [Consumer clientId=c, groupId=g] Member m-1 sending LeaveGroup request to coordinator h:1 (id: 2147483645 rack: r isFenced: false) due to consumer poll timeout has expired. (${INTERNALS}.ConsumerCoordinator)`,
      ...reset,
    ]);
  });

  test("INFO lines follow their loggers' levels (root at WARN: only the fetch warning)", () => {
    const { logs, lines } = capture("WARN");
    const log = new ConsumerLog(logs, { clientId: "c", groupId: "g" });
    log.joining();
    log.outOfRange({ topic: "t", partition: 1 }, 9n);
    log.unknownPartition({ topic: "t", partition: 1 });
    expect(lines).toEqual([
      `WARN [Consumer clientId=c, groupId=g] Received unknown topic or partition error in fetch for partition t-1 (${INTERNALS}.FetchCollector)`,
    ]);
  });

  test("an unknown partition is warned about once until it is assigned again (a deleted topic is fetched again and again)", () => {
    const { logs, lines } = capture();
    const log = new ConsumerLog(logs, { clientId: "c", groupId: "g" });
    const tp = { topic: "t", partition: 1 };
    for (let i = 0; i < 3; i++) log.unknownPartition(tp);
    log.assigned([tp]);
    log.unknownPartition(tp);
    expect(lines.filter((l) => l.startsWith("WARN")).length).toBe(2);
  });

  test("a static member's rejoin after a first JoinGroup answered with its id says no MEMBER_ID_REQUIRED (staticsub)", () => {
    const { logs, lines } = capture();
    const log = new ConsumerLog(logs, { clientId: "c", groupId: "g", groupInstanceId: "i" });
    log.joining(""); // a static member's first JoinGroup: answered with its id, no MEMBER_ID_REQUIRED
    log.joined(1, "i-m", "range");
    log.joining("i-m");
    const prefix = "INFO [Consumer instanceId=i, clientId=c, groupId=g]";
    const coordinator = `(${INTERNALS}.ConsumerCoordinator)`;
    expect(lines).toEqual([
      `${prefix} (Re-)joining group ${coordinator}`,
      `${prefix} Successfully joined group with generation Generation{generationId=1, memberId='i-m', protocol='range'} ${coordinator}`,
      `${prefix} (Re-)joining group ${coordinator}`,
    ]);
  });

  test("a JoinGroup's MEMBER_ID_REQUIRED, a sync, and what a rejoin gives up: in Java's words", () => {
    const { logs, lines } = capture();
    const log = new ConsumerLog(logs, { clientId: "c", groupId: "g" });
    log.joining(""); // a first JoinGroup, without a member id
    log.joining("m-1"); // the next one, with the id its answer gave
    log.joined(3, "m-1", "range");
    log.synced(3, "m-1", "range");
    log.givingUp([], true); // an eager rejoin: says it revokes nothing
    log.givingUp([], false); // a member without a generation: nothing
    log.givingUp([{ topic: "t", partition: 0 }], false);
    log.joining("m-1"); // a rejoin with its id: no MEMBER_ID_REQUIRED line
    const prefix = "INFO [Consumer clientId=c, groupId=g]";
    const coordinator = `(${INTERNALS}.ConsumerCoordinator)`;
    expect(lines).toEqual([
      `${prefix} (Re-)joining group ${coordinator}`,
      `${prefix} Request joining group due to: need to re-join with the given member-id: m-1 ${coordinator}`,
      `${prefix} (Re-)joining group ${coordinator}`,
      `${prefix} Successfully joined group with generation Generation{generationId=3, memberId='m-1', protocol='range'} ${coordinator}`,
      `${prefix} Successfully synced group in generation Generation{generationId=3, memberId='m-1', protocol='range'} ${coordinator}`,
      `${prefix} Revoke previously assigned partitions  (${INTERNALS}.ConsumerRebalanceListenerInvoker)`,
      `${prefix} Giving away all assigned partitions as lost since generation/memberID has been reset,indicating that consumer is in old state or no longer part of the group ${coordinator}`,
      `${prefix} Lost previously assigned partitions t-0 (${INTERNALS}.ConsumerRebalanceListenerInvoker)`,
      `${prefix} (Re-)joining group ${coordinator}`,
    ]);
  });

  // explore31 F3: with every broker stopped, each node's fetch failure was logged once at the start of the outage,
  // then nothing for as long as it lasted (the fetches wait on metadata no broker answers, which went unlogged).
  test("fetches and their metadata without an answer: thinned per broker to one a minute, the first answer said once", () => {
    const { logs, lines } = capture();
    const clock = new ManualClock();
    const log = new ConsumerLog(logs, { clientId: "c", groupId: "g" }, clock);
    for (let s = 0; s < 130; s += 10) {
      clock.set(s * 1000);
      log.fetchFailed(1, `refused at ${s} s`);
      log.fetchMetadataFailed(`no broker at ${s} s`);
    }
    log.fetchFailed(2, "refused");
    log.fetchAnswered(1);
    log.fetchAnswered(1); // answered on: nothing more
    log.fetchAnswered(3); // never failed: nothing
    log.fetchMetadataAnswered();
    log.fetchFailed(1, "refused again"); // a new outage: logged at once
    const prefix = "INFO [Consumer clientId=c, groupId=g]";
    const session = "(org.apache.kafka.clients.FetchSessionHandler)";
    const metadata = "(io.edgegateway.kafka.FetchMetadata)";
    const failed = (s: number, note = "") => [
      `${prefix} Error sending fetch request to node 1: refused at ${s} s${note} ${session}`,
      `${prefix} Error fetching metadata for the fetch requests: no broker at ${s} s${note} ${metadata}`,
    ];
    expect(lines).toEqual([
      ...[0, 10, 20, 30, 40].flatMap((s) => failed(s)),
      ...failed(100, " (5 failed requests not logged)"),
      `${prefix} Error sending fetch request to node 2: refused ${session}`,
      `${prefix} Fetch request to node 1 answered again (2 failed requests not logged) ${session}`,
      `${prefix} Metadata for the fetch requests answered again (2 failed requests not logged) ${metadata}`,
      `${prefix} Error sending fetch request to node 1: refused again ${session}`,
    ]);
  });
  // ex31fetch review: a node's budget outlived its outage when its partitions moved away (no answer ever ended it):
  // the next outage's first failures were thinned, and an "answered again" came hours later.
  test("a node without a failure for a minute is out of its outage: the next failure is logged as a first, no answer said", () => {
    const { logs, lines } = capture();
    const clock = new ManualClock();
    const log = new ConsumerLog(logs, { clientId: "c", groupId: "g" }, clock);
    for (let s = 0; s < 10; s++) {
      clock.set(s * 1000);
      log.fetchFailed(1, "refused");
    }
    clock.set(69_000);
    log.fetchAnswered(1); // its partitions fetched from another node since: this node's outage ended unanswered
    clock.set(3_600_000);
    for (let i = 0; i < 5; i++) log.fetchFailed(1, "refused an hour later");
    const prefix = "INFO [Consumer clientId=c, groupId=g]";
    const session = "(org.apache.kafka.clients.FetchSessionHandler)";
    expect(lines).toEqual([
      ...Array(5).fill(`${prefix} Error sending fetch request to node 1: refused ${session}`),
      ...Array(5).fill(`${prefix} Error sending fetch request to node 1: refused an hour later ${session}`),
    ]);
  });
});
