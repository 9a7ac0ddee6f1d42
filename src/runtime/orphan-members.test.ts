import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { Config } from "../api/connector.ts";
import { RetriableError } from "../errors.ts";
import type { KafkaAdmin } from "../kafka/kafka-port.ts";
import { MemoryKafka } from "../kafka/memory-kafka.ts";
import { withKafkaError } from "../kafka/send-rejection.ts";
import { PluginRegistry } from "../plugin/registry.ts";
import { builtInPlugins } from "../plugins.ts";
import { ConsumerMemberStore } from "../store/consumer-member-store.ts";
import { migrate } from "../store/database.ts";
import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { loadWorkerConfig } from "../worker-config.ts";
import { COORDINATOR_RETRY_TIMEOUT_MS, fenceOrphanMembers, type StoredConnector } from "./orphan-members.ts";

const SINK: Config = { "connector.class": "FileStreamSink", topics: "t", file: "/dev/null" };
const client = (connector: string, task: number) => `connector-consumer-${connector}-${task}`;

/**
 * A sweep over a real store on `:memory:` and MemoryKafka's admin (or `admin`'s); `admins` notes
 * which admin each connector got (its own config, or undefined: the worker's); `resolved` the configs
 * resolved, each through `resolve` (none by default). Pauses run on `clock`.
 */
function sweeper(
  connectors: Record<string, StoredConnector>,
  admin?: () => Promise<KafkaAdmin>,
  resolve: (config: Config) => Config = (config) => config,
  stopping = () => false,
  clock = new ManualClock(),
) {
  const db = new Database(":memory:");
  migrate(db, ":memory:");
  const members = new ConsumerMemberStore(db);
  const kafka = new MemoryKafka();
  const warnings: string[] = [];
  const infos: string[] = [];
  const admins: (Config | undefined)[] = [];
  const resolved: Config[] = [];
  const inFlight = new Map<string, Promise<void>>();
  const logs = new LogManager({
    sink: (line) => {
      if (line.includes(" WARN ")) warnings.push(line);
      if (line.includes(" INFO ")) infos.push(line.slice(line.indexOf("Removed"), line.lastIndexOf(" (")));
    },
  });
  const sweep = (only?: string[]) =>
    fenceOrphanMembers(
      {
        config: loadWorkerConfig({}),
        registry: new PluginRegistry(builtInPlugins),
        resolveConfig: async (c) => {
          resolved.push(c);
          return resolve(c);
        },
        members,
        connector: (name) => connectors[name],
        stopping,
        withAdmin: async (config, use) => {
          admins.push(config);
          return use(await (admin ?? (() => kafka.admin()))());
        },
        log: logs.get("org.apache.kafka.connect.runtime.Worker"),
        clock,
        inFlight,
      },
      only,
    );
  /** `connector`'s consumer `clientId` was given `memberId` in `groupId`, and it is still there. */
  const given = (connector: string, groupId: string, clientId: string, memberId: string) => {
    members.remember(connector, groupId, clientId, memberId);
    kafka.groupMembers.set(groupId, [...(kafka.groupMembers.get(groupId) ?? []), { memberId, clientId }]);
  };
  const inGroup = (groupId: string) => (kafka.groupMembers.get(groupId) ?? []).map((m) => m.memberId);
  const kept = () => members.all().map((r) => r.memberId);
  return { sweep, given, inGroup, kept, members, kafka, warnings, infos, admins, resolved };
}

// explore22 F1, F2, F5: dead members no task fences held their group for session.timeout.ms.
describe("fenceOrphanMembers", () => {
  test("removes the members of tasks past the task count (tasks.max reduced); those of running tasks stay", async () => {
    const s = sweeper({ k: { config: SINK, tasks: 1 } });
    s.given("k", "connect-k", client("k", 0), "m-0");
    s.given("k", "connect-k", client("k", 1), "m-1");
    s.given("k", "connect-k", client("k", 2), "m-2");
    await s.sweep();
    expect({ group: s.inGroup("connect-k"), kept: s.kept(), admins: s.admins, warnings: s.warnings }).toEqual({
      group: ["m-0"],
      kept: ["m-0"],
      admins: [SINK],
      warnings: [],
    });
    expect(s.infos).toEqual([
      `Removed the dead consumer m-1 (client ${client("k", 1)}) of connector k's former sink task from group connect-k`,
      `Removed the dead consumer m-2 (client ${client("k", 2)}) of connector k's former sink task from group connect-k`,
    ]);
  });

  // orphanfence review P1: the sweep read the ids to remove after its awaits, so a task of an
  // orphaned pair that started meanwhile had its live member removed and its row forgotten.
  test("removes only the ids read with the task count: a task started meanwhile (tasks.max raised) keeps its live member", async () => {
    const connectors: Record<string, StoredConnector> = { k: { config: SINK, tasks: 1 } };
    const s = sweeper(connectors, async () => {
      connectors.k = { config: SINK, tasks: 2 };
      s.given("k", "connect-k", client("k", 1), "live-1");
      return s.kafka.admin();
    });
    s.given("k", "connect-k", client("k", 0), "m-0");
    s.given("k", "connect-k", client("k", 1), "m-1");
    await s.sweep();
    expect({ group: s.inGroup("connect-k"), kept: s.kept() }).toEqual({
      group: ["m-0", "live-1"],
      kept: ["m-0", "live-1"],
    });
  });

  test("removes a deleted connector's members from a group it shared, through the worker's admin client; a live member with another client id stays", async () => {
    const shared = { ...SINK, "consumer.override.group.id": "shared" };
    const s = sweeper({ a: { config: shared, tasks: 1 } });
    s.given("a", "shared", client("a", 0), "a-0");
    s.given("b", "shared", client("b", 0), "b-0");
    await s.sweep();
    expect({ group: s.inGroup("shared"), kept: s.kept(), admins: s.admins }).toEqual({
      group: ["a-0"],
      kept: ["a-0"],
      admins: [undefined],
    });
  });

  test("removes the members of a group or client id the connector no longer uses", async () => {
    const s = sweeper({
      moved: { config: { ...SINK, "consumer.override.group.id": "new" }, tasks: 1 },
      named: { config: { ...SINK, "consumer.override.client.id": "mine" }, tasks: 1 },
    });
    s.given("moved", "connect-moved", client("moved", 0), "old-group");
    s.given("moved", "new", client("moved", 0), "new-group");
    s.given("named", "connect-named", client("named", 0), "default-id");
    await s.sweep();
    expect({
      old: s.inGroup("connect-moved"),
      new: s.inGroup("new"),
      named: s.inGroup("connect-named"),
      kept: s.kept(),
    }).toEqual({ old: [], new: ["new-group"], named: [], kept: ["new-group"] });
  });

  test("removes the members of a connector that is no sink (its class changed, or not installed): no task of it fences them", async () => {
    const s = sweeper({
      source: { config: { "connector.class": "FileStreamSource", topic: "t", file: "/dev/null" }, tasks: 1 },
      missing: { config: { "connector.class": "com.example.Missing", topics: "t" }, tasks: 1 },
    });
    s.given("source", "connect-source", client("source", 0), "was-sink");
    s.given("missing", "connect-missing", client("missing", 0), "no-class");
    await s.sweep();
    expect({ source: s.inGroup("connect-source"), missing: s.inGroup("connect-missing"), kept: s.kept() }).toEqual({
      source: [],
      missing: [],
      kept: [],
    });
  });

  test("forgets ids no longer in their group or given to another client id, without removing anyone", async () => {
    const s = sweeper({ k: { config: SINK, tasks: 1 } });
    s.members.remember("k", "connect-k", client("k", 1), "left");
    s.kafka.groupMembers.set("connect-k", [{ memberId: "left", clientId: "someone-else" }]);
    await s.sweep();
    expect({ group: s.inGroup("connect-k"), kept: s.kept() }).toEqual({ group: ["left"], kept: [] });
  });

  test("sweeps only the connectors named (after a task reconfiguration)", async () => {
    const s = sweeper({ a: { config: SINK, tasks: 0 }, b: { config: SINK, tasks: 0 } });
    s.given("a", "connect-a", client("a", 0), "a-0");
    s.given("b", "connect-b", client("b", 0), "b-0");
    await s.sweep(["a"]);
    expect({ a: s.inGroup("connect-a"), b: s.inGroup("connect-b"), kept: s.kept() }).toEqual({
      a: [],
      b: ["b-0"],
      kept: ["b-0"],
    });
  });

  test("a failure (Kafka not reached) is one WARN per connector and keeps its ids for the next start", async () => {
    const s = sweeper({}, () => Promise.reject(new Error("Connection refused")));
    s.given("gone", "connect-gone", client("gone", 0), "g-0");
    s.given("gone", "connect-gone", client("gone", 1), "g-1");
    await s.sweep();
    expect({ kept: s.kept(), warnings: s.warnings.length }).toEqual({ kept: ["g-0", "g-1"], warnings: 1 });
    expect(s.warnings[0]).toContain(
      "Could not remove the dead consumers of connector gone's former sink tasks from their groups; trying again at the next start",
    );
    expect(s.warnings[0]).toContain("Connection refused");
  });

  test("asks Kafka nothing when every id is one a running task fences itself", async () => {
    const s = sweeper({ k: { config: SINK, tasks: 2 } });
    s.given("k", "connect-k", client("k", 0), "m-0");
    s.given("k", "connect-k", client("k", 1), "m-1");
    await s.sweep();
    expect({ admins: s.admins, kept: s.kept(), resolved: s.resolved }).toEqual({
      admins: [],
      kept: ["m-0", "m-1"],
      resolved: [],
    });
  });

  test("resolves the config (asks its providers) only when its stored form leaves an id unfenced", async () => {
    const referenced = { ...SINK, "consumer.override.group.id": "${test:group}" };
    const s = sweeper({ k: { config: referenced, tasks: 1 } }, undefined, (config) => ({
      ...config,
      "consumer.override.group.id": "resolved",
    }));
    s.given("k", "resolved", client("k", 0), "m-0");
    s.given("k", "resolved", client("k", 1), "m-1");
    await s.sweep();
    expect({ group: s.inGroup("resolved"), kept: s.kept(), resolved: s.resolved }).toEqual({
      group: ["m-0"],
      kept: ["m-0"],
      resolved: [referenced],
    });
  });

  // diffhunt11 review P2-1: a class given by reference was no sink as stored, so a live task's member was removed.
  test("a sink whose connector.class is a config provider reference keeps its running tasks' members", async () => {
    const referenced = { ...SINK, "connector.class": "${test:sink}" };
    const s = sweeper({ k: { config: referenced, tasks: 1 } }, undefined, (config) =>
      Object.fromEntries(Object.entries(config).map(([k, v]) => [k, v === "${test:sink}" ? "FileStreamSink" : v])),
    );
    s.given("k", "connect-k", client("k", 0), "live-0");
    s.given("k", "connect-k", client("k", 1), "m-1");
    await s.sweep();
    expect({ group: s.inGroup("connect-k"), kept: s.kept(), warnings: s.warnings }).toEqual({
      group: ["live-0"],
      kept: ["live-0"],
      warnings: [],
    });
  });

  // orphanfence review P3: a sweep past the stop's wait for it opened an admin client after the worker closed its own.
  test("opens no admin client once the worker stops; the ids stay for the next start", async () => {
    const s = sweeper({}, undefined, undefined, () => true);
    s.given("gone", "connect-gone", client("gone", 0), "g-0");
    await s.sweep();
    expect({ admins: s.admins, group: s.inGroup("connect-gone"), kept: s.kept() }).toEqual({
      admins: [],
      group: ["g-0"],
      kept: ["g-0"],
    });
  });

  // p3misc: a coordinator loading __consumer_offsets made the sweep give up at once until the next start.
  describe("when the group coordinator is not ready", () => {
    /**
     * MemoryKafka's admin, whose describes are answered `kafkaError` while `refusing()` says so, the others once
     * `answered` resolves; `asked` counts them.
     */
    function notReady(
      kafka: () => MemoryKafka,
      kafkaError: string,
      refusing: (asked: number) => boolean,
      answered: Promise<void> = Promise.resolve(),
    ) {
      const counter = { asked: 0 };
      const admin = async (): Promise<KafkaAdmin> => {
        const real = await kafka().admin();
        return {
          ...real,
          groupMembers: async (groupId) => {
            if (refusing(++counter.asked))
              throw withKafkaError(
                new RetriableError(`Failed to describe consumer group ${groupId}: ${kafkaError}`),
                kafkaError,
              );
            await answered;
            return real.groupMembers(groupId);
          },
        };
      };
      return { admin, counter };
    }

    // p3misc P3: a start's sweep retrying overlapped the reconfiguration's; both removed (and logged) the same ids.
    test("a connector's second sweep, asked for while its first retries, runs after it: each dead member is removed and logged once", async () => {
      const clock = new ManualClock();
      const answer = Promise.withResolvers<void>();
      const refusals = notReady(
        () => s.kafka,
        "COORDINATOR_LOAD_IN_PROGRESS",
        (asked) => asked === 1,
        answer.promise,
      );
      const s = sweeper({}, refusals.admin, undefined, undefined, clock);
      s.given("gone", "connect-gone", client("gone", 0), "g-0");
      const atStart = s.sweep();
      await waitFor(() => clock.pending === 1, { what: "the start's sweep pausing" });
      const afterReconfiguration = s.sweep(["gone"]);
      const asked = refusals.counter.asked;
      clock.advanceToNext();
      await waitFor(() => refusals.counter.asked > asked, { what: "the start's sweep asking again" });
      answer.resolve();
      await Promise.all([atStart, afterReconfiguration]);
      expect({ group: s.inGroup("connect-gone"), kept: s.kept(), infos: s.infos, warnings: s.warnings }).toEqual({
        group: [],
        kept: [],
        infos: [
          "Removed the dead consumer g-0 (client connector-consumer-gone-0) of connector gone's former sink task from group connect-gone",
        ],
        warnings: [],
      });
      expect(refusals.counter.asked).toBe(2);
    });

    test.each(["COORDINATOR_LOAD_IN_PROGRESS", "COORDINATOR_NOT_AVAILABLE", "NOT_COORDINATOR"])(
      "asks again with backoff when answered %s, as Java's admin client, and removes the members",
      async (kafkaError) => {
        const clock = new ManualClock();
        const refusals = notReady(
          () => s.kafka,
          kafkaError,
          (asked) => asked <= 3,
        );
        const s = sweeper({}, refusals.admin, undefined, undefined, clock);
        s.given("gone", "connect-gone", client("gone", 0), "g-0");
        const sweep = s.sweep();
        for (let pause = 1; pause <= 3; pause++) {
          await waitFor(() => clock.pending === 1, { what: `pause ${pause}` });
          clock.advanceToNext();
        }
        await sweep;
        expect({ group: s.inGroup("connect-gone"), kept: s.kept(), warnings: s.warnings }).toEqual({
          group: [],
          kept: [],
          warnings: [],
        });
        expect(clock.sleeps.every((ms) => ms > 0 && ms <= 1_000)).toBe(true);
        expect(clock.sleeps).toHaveLength(3);
      },
    );

    test("gives up after Java's default.api.timeout.ms with one WARN and keeps the ids", async () => {
      const clock = new ManualClock();
      const refusals = notReady(
        () => s.kafka,
        "COORDINATOR_LOAD_IN_PROGRESS",
        () => true,
      );
      const s = sweeper({}, refusals.admin, undefined, undefined, clock);
      s.given("gone", "connect-gone", client("gone", 0), "g-0");
      const sweep = s.sweep();
      let settled = false;
      void sweep.finally(() => {
        settled = true;
      });
      while (!settled) {
        await waitFor(() => settled || clock.pending === 1, { what: "a pause or the end", intervalMs: 1 });
        clock.advanceToNext();
      }
      expect({ group: s.inGroup("connect-gone"), kept: s.kept(), warnings: s.warnings.length }).toEqual({
        group: ["g-0"],
        kept: ["g-0"],
        warnings: 1,
      });
      expect(s.warnings[0]).toContain("Failed to describe consumer group connect-gone: COORDINATOR_LOAD_IN_PROGRESS");
      expect(clock.monotonic()).toBe(COORDINATOR_RETRY_TIMEOUT_MS);
    });

    test("asks no more once the worker stops: the ids stay for the next start", async () => {
      const clock = new ManualClock();
      let stopping = false;
      const refusals = notReady(
        () => s.kafka,
        "COORDINATOR_LOAD_IN_PROGRESS",
        () => true,
      );
      const s = sweeper({}, refusals.admin, undefined, () => stopping, clock);
      s.given("gone", "connect-gone", client("gone", 0), "g-0");
      const sweep = s.sweep();
      await waitFor(() => clock.pending === 1, { what: "the first pause" });
      stopping = true;
      clock.advanceToNext();
      await sweep;
      expect({ asked: refusals.counter.asked, kept: s.kept(), warnings: s.warnings.length }).toEqual({
        asked: 1,
        kept: ["g-0"],
        warnings: 1,
      });
    });

    test("a failure that is not the coordinator's (a refused ACL) is not asked again", async () => {
      const refusals = notReady(
        () => s.kafka,
        "GROUP_AUTHORIZATION_FAILED",
        () => true,
      );
      const s = sweeper({}, refusals.admin);
      s.given("gone", "connect-gone", client("gone", 0), "g-0");
      await s.sweep();
      expect({ asked: refusals.counter.asked, kept: s.kept(), warnings: s.warnings.length }).toEqual({
        asked: 1,
        kept: ["g-0"],
        warnings: 1,
      });
    });
  });
});
