import { expect, test } from "bun:test";
import { type LogEntry, logLevel } from "kafkajs";
import { LogManager } from "../../util/logger.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { fetchPositionString } from "../consumer-log.ts";
import { CLIENT_WARN_INTERVAL_MS, clientLog, clientLogLimiter } from "./client-log.ts";

function entry(namespace: string, message: string, level = logLevel.WARN): LogEntry {
  return { namespace, level, label: "WARN", log: { timestamp: "t", logger: "kafkajs", message, broker: "k1:9092" } };
}

test("a broker outage's repeated connection errors are logged at WARN once a minute, with the count of the others", () => {
  const lines: string[] = [];
  const logs = new LogManager({ sink: (line) => lines.push(line) });
  const clock = new ManualClock(1_000);
  const limiter = clientLogLimiter(clock);
  // Two clients (a producer and an admin) of the same gateway share the limiter.
  const producer = clientLog(logs.get("org.apache.kafka.clients"), limiter);
  const admin = clientLog(logs.get("org.apache.kafka.clients"), limiter);
  const refused = "Connection error: connect ECONNREFUSED 127.0.0.1:9092";
  for (let i = 0; i < 100; i++) {
    producer(entry("Connection", refused));
    admin(entry("Connection", refused));
    clock.advance(250);
  }
  const warns = () => lines.filter((l) => l.includes(" WARN "));
  expect(warns()).toHaveLength(1);
  expect(warns()[0]).toContain(`[Connection] ${refused} {"timestamp":"t","logger":"kafkajs","broker":"k1:9092"}`);
  // Another kind is its own.
  producer(entry("BrokerPool", "Failed to connect to seed broker, trying another broker from the list"));
  expect(warns()).toHaveLength(2);
  clock.advance(CLIENT_WARN_INTERVAL_MS);
  admin(entry("Connection", refused));
  expect(warns()).toHaveLength(3);
  expect(warns()[2]).toContain(`[Connection] ${refused} (and 199 more like it in the last 85 s, not logged)`);
});

test("the expected retry noise is DEBUG, never WARN", () => {
  const lines: string[] = [];
  const logs = new LogManager({ sink: (line) => lines.push(line) });
  const log = clientLog(logs.get("org.apache.kafka.clients"), clientLogLimiter(new ManualClock()));
  log(entry("Connection", "Response Produce(key: 0, version: 7)", logLevel.ERROR));
  log(entry("Producer", "Limiting retries for the idempotent producer to Number.MAX_SAFE_INTEGER"));
  expect(lines.filter((l) => l.includes(" WARN "))).toEqual([]);
});

test("every line of a client closed forcefully is DEBUG (kafkajs still retrying its abandoned send: review-zombie P3)", () => {
  const lines: string[] = [];
  const logs = new LogManager({ sink: (line) => lines.push(line) });
  let forced = false;
  const log = clientLog(logs.get("org.apache.kafka.clients"), clientLogLimiter(new ManualClock()), () => forced);
  const refused = "Connection error: The producer was closed forcefully: no new connection";
  log(entry("Connection", "Connection error: connect ECONNREFUSED 127.0.0.1:9092", logLevel.ERROR));
  forced = true;
  log(entry("Connection", refused, logLevel.ERROR));
  log(entry("Producer", "Failed to send messages", logLevel.ERROR));
  expect(lines.filter((l) => l.includes(" WARN ")).map((l) => l.includes("ECONNREFUSED"))).toEqual([true]);
});

// explore22 F7: every ordinary rebalance logged a WARN with kafka.client=kafkajs.
test("an ordinary rebalance's 'The group is rebalancing, re-joining' is INFO, as Java logs one, each time", () => {
  const lines: string[] = [];
  const logs = new LogManager({ sink: (line) => lines.push(line) });
  const log = clientLog(logs.get("org.apache.kafka.clients"), clientLogLimiter(new ManualClock()));
  const rebalancing = {
    ...entry("Runner", "The group is rebalancing, re-joining"),
    log: { timestamp: "t", logger: "kafkajs", message: "The group is rebalancing, re-joining", groupId: "g" },
  };
  log(rebalancing);
  log(rebalancing);
  expect(lines.map((l) => l.replace(/^\[[^\]]*\] /, ""))).toEqual(
    Array(2).fill(
      'INFO [Runner] The group is rebalancing, re-joining {"timestamp":"t","logger":"kafkajs","groupId":"g"} (org.apache.kafka.clients)',
    ),
  );
});

test.each([
  "Error sending fetch request to node 2: Connection error: connect ECONNREFUSED 127.0.0.1:9093",
  "Group coordinator 127.0.0.1:9093 (id: 2147483645) is unavailable or invalid due to cause: Not connected. Rediscovery will be attempted.",
])("a fetch's or heartbeat's wait after no answer is INFO, each time, as Java's consumer logs it: %s", (message) => {
  const lines: string[] = [];
  const logs = new LogManager({ sink: (line) => lines.push(line) });
  const log = clientLog(logs.get("org.apache.kafka.clients"), clientLogLimiter(new ManualClock()));
  const unanswered = { ...entry("ConsumerGroup", message), log: { timestamp: "t", logger: "kafkajs", message } };
  log(unanswered);
  log(unanswered);
  expect(lines.map((l) => l.replace(/^\[[^\]]*\] /, ""))).toEqual(
    Array(2).fill(`INFO [ConsumerGroup] ${message} {"timestamp":"t","logger":"kafkajs"} (org.apache.kafka.clients)`),
  );
});

test("a fetch answered by a leader that moved is DEBUG, as Java's 'Error in fetch for partition …', not INFO", () => {
  const lines: string[] = [];
  const logs = new LogManager({ sink: (line) => lines.push(line), rootLevel: "DEBUG" });
  const log = clientLog(logs.get("org.apache.kafka.clients"), clientLogLimiter(new ManualClock()));
  const message = "Error in fetch from node 2: This server is not the leader for that topic-partition";
  log({ ...entry("ConsumerGroup", message, logLevel.DEBUG), log: { timestamp: "t", logger: "kafkajs", message } });
  expect(lines.map((l) => l.replace(/^\[[^\]]*\] /, ""))).toEqual([
    `DEBUG [ConsumerGroup] ${message} {"timestamp":"t","logger":"kafkajs"} (org.apache.kafka.clients)`,
  ]);
});

// review kjsreset: kafkajs' reset logged one ERROR "Offset out of range, resetting to default offset" per kind (WARN,
// grouped by message) without the position, so several partitions reset showed as one line.
// leftfix 4: and with the partition's leader, which Java's FetchPosition names (it read `leader=Optional.empty`).
test("each partition reset out of range goes to the consumer's outOfRange with its positions and leader, not to WARN", () => {
  const lines: string[] = [];
  const logs = new LogManager({ sink: (line) => lines.push(line) });
  const resets: string[] = [];
  const log = clientLog(
    logs.get("org.apache.kafka.clients"),
    clientLogLimiter(new ManualClock()),
    undefined,
    (tp, p, r, leader) => resets.push(`${tp.topic}-${tp.partition} ${p} -> ${fetchPositionString(r, leader)}`),
  );
  const broker = { nodeId: 1, host: "127.0.0.1", port: 9092, rack: null };
  // Partition 1's leader is not among the brokers its metadata listed.
  for (const [partition, position, reset, leader] of [
    [0, "100", "5", broker],
    [1, "90", "7", undefined],
  ] as const) {
    const fields = {
      groupId: "g",
      memberId: "m",
      topic: "t",
      partition,
      fetchPosition: position,
      resetPosition: reset,
      leader,
    };
    log({
      ...entry("ConsumerGroup", "Fetch position out of range, reset", logLevel.ERROR),
      log: { timestamp: "t", logger: "kafkajs", message: "Fetch position out of range, reset", ...fields },
    });
  }
  expect(resets).toEqual([
    "t-0 100 -> FetchPosition{offset=5, offsetEpoch=Optional.empty, currentLeader=LeaderAndEpoch{leader=Optional[127.0.0.1:9092 (id: 1 rack: null isFenced: false)], epoch=absent}}",
    "t-1 90 -> FetchPosition{offset=7, offsetEpoch=Optional.empty, currentLeader=LeaderAndEpoch{leader=Optional.empty, epoch=absent}}",
  ]);
  expect(lines).toEqual([]);
});
