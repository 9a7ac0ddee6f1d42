/**
 * The operations of the lifecycle stress test (test/lifecycle-stress.test.ts) and what Connect
 * answers to each: a model of every connector (whether it exists, its target state) and, per
 * operation, the status Connect gives in a known state. When concurrent operations leave a
 * connector's state unknown, an answer is checked against every state it could be in.
 */
import type { Prng } from "./prng.ts";

export type Target = "RUNNING" | "PAUSED" | "STOPPED";
export const TARGETS: readonly Target[] = ["RUNNING", "PAUSED", "STOPPED"];

export interface ConnectorModel {
  readonly name: string;
  readonly kind: "source" | "sink";
  /** Never deleted, config keeps its file and topic: its data is checked end to end. */
  readonly stable: boolean;
  /** undefined: unknown (after concurrent changes). */
  exists: boolean | undefined;
  target: Target | undefined;
}

export interface Op {
  readonly label: string;
  readonly connector: ConnectorModel;
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  /** Whether it may change existence or target state. */
  readonly mutates: boolean;
  /** The status Connect answers when the connector is in this state. */
  expected(exists: boolean, target: Target): number;
  /** The model after a successful answer (given in a known state). */
  apply?(model: ConnectorModel, status: number): void;
}

export interface Pools {
  /** Files and topics a churn connector may use (stable ones keep theirs). */
  readonly churnSourceFiles: readonly string[];
  readonly churnSinkFiles: readonly string[];
  readonly churnTopics: readonly string[];
  readonly stableSourceFile: string;
  readonly stableSourceTopic: string;
  readonly stableSinkFile: string;
  readonly stableSinkTopic: string;
}

export function connectorConfig(c: ConnectorModel, pools: Pools, rnd: Prng): Record<string, string> {
  const tasksMax = String(1 + Math.floor(rnd.random() * 3));
  if (c.kind === "source") {
    return {
      "connector.class": "FileStreamSource",
      "tasks.max": tasksMax,
      file: c.stable ? pools.stableSourceFile : rnd.pick(pools.churnSourceFiles),
      topic: c.stable ? pools.stableSourceTopic : rnd.pick(pools.churnTopics),
      "batch.size": String(rnd.pick([1, 5, 50])),
    };
  }
  return {
    "connector.class": "FileStreamSink",
    "tasks.max": tasksMax,
    file: c.stable ? pools.stableSinkFile : rnd.pick(pools.churnSinkFiles),
    topics: c.stable ? pools.stableSinkTopic : rnd.pick(pools.churnTopics),
  };
}

const ifExists = (ok: number) => (exists: boolean) => (exists ? ok : 404);

function targetOp(c: ConnectorModel, verb: "pause" | "resume" | "stop", target: Target): Op {
  return {
    label: `${verb} ${c.name}`,
    connector: c,
    method: "PUT",
    path: `/connectors/${c.name}/${verb}`,
    mutates: true,
    expected: ifExists(verb === "stop" ? 204 : 202),
    apply: (m, status) => {
      if (status < 300) m.target = target;
    },
  };
}

function offsetsBody(c: ConnectorModel, config: Record<string, string>) {
  if (c.kind === "source") return { offsets: [{ partition: { filename: config.file }, offset: { position: 0 } }] };
  return { offsets: [{ partition: { kafka_topic: config.topics, kafka_partition: 0 }, offset: { kafka_offset: 0 } }] };
}

/** A random operation on `c` (`config` is a fresh random config for it). */
export function randomOp(c: ConnectorModel, pools: Pools, rnd: Prng): Op {
  const base = `/connectors/${c.name}`;
  const config = connectorConfig(c, pools, rnd);
  const get = (path: string, label: string): Op => ({
    label,
    connector: c,
    method: "GET",
    path,
    mutates: false,
    expected: ifExists(200),
  });
  const choices: (() => Op)[] = [
    () => {
      const initial = rnd.pick([undefined, ...TARGETS]);
      return {
        label: `create ${c.name} ${initial ?? ""}`,
        connector: c,
        method: "POST",
        path: "/connectors",
        body: { name: c.name, config, ...(initial ? { initial_state: initial } : {}) },
        mutates: true,
        expected: (exists) => (exists ? 409 : 201),
        apply: (m, status) => {
          if (status !== 201) return;
          m.exists = true;
          m.target = initial ?? "RUNNING";
        },
      };
    },
    () => ({
      label: `put config ${c.name} ${JSON.stringify(config)}`,
      connector: c,
      method: "PUT",
      path: `${base}/config`,
      body: config,
      mutates: true,
      expected: (exists) => (exists ? 200 : 201),
      apply: (m, status) => {
        if (status === 201) m.target = "RUNNING";
        m.exists = true;
      },
    }),
    () => ({
      label: `patch config ${c.name} tasks.max=${config["tasks.max"]}`,
      connector: c,
      method: "PATCH",
      path: `${base}/config`,
      body: { "tasks.max": config["tasks.max"] },
      mutates: true,
      expected: ifExists(200),
    }),
    () => targetOp(c, "pause", "PAUSED"),
    () => targetOp(c, "resume", "RUNNING"),
    () => targetOp(c, "stop", "STOPPED"),
    () => {
      const query = rnd.pick(["", "?includeTasks=true", "?onlyFailed=true", "?includeTasks=true&onlyFailed=true"]);
      return {
        label: `restart ${c.name}${query}`,
        connector: c,
        method: "POST",
        path: `${base}/restart${query}`,
        mutates: true,
        expected: ifExists(query === "" ? 204 : 202),
      };
    },
    () => {
      const task = Math.floor(rnd.random() * 3);
      return {
        label: `restart task ${c.name}-${task}`,
        connector: c,
        method: "POST",
        path: `${base}/tasks/${task}/restart`,
        mutates: true,
        // Whether task n exists depends on tasks generated meanwhile: 204 or 404, checked by the caller.
        expected: (exists, target) => (exists && target !== "STOPPED" ? 204 : 404),
      };
    },
    ...(["DELETE", "PATCH"] as const).map(
      (method) => (): Op => ({
        label: `${method} offsets ${c.name}`,
        connector: c,
        method,
        path: `${base}/offsets`,
        body: method === "PATCH" ? offsetsBody(c, config) : undefined,
        mutates: true,
        expected: (exists, target) => (!exists ? 404 : target === "STOPPED" ? 200 : 400),
      }),
    ),
    () => get(`${base}/status`, `status ${c.name}`),
    () => get(`${base}/tasks`, `tasks ${c.name}`),
    () => get(`${base}/config`, `config ${c.name}`),
    () => get(`${base}/offsets`, `offsets ${c.name}`),
  ];
  if (!c.stable) {
    choices.push(() => ({
      label: `delete ${c.name}`,
      connector: c,
      method: "DELETE",
      path: base,
      mutates: true,
      expected: ifExists(204),
      apply: (m, status) => {
        if (status === 204) m.exists = false;
      },
    }));
  }
  return rnd.pick(choices)();
}

/** Every status `op` may answer when its connector's state is (partly) unknown. */
export function allowedStatuses(op: Op, exists: boolean | undefined, target: Target | undefined): Set<number> {
  const out = new Set<number>();
  for (const e of exists === undefined ? [true, false] : [exists]) {
    for (const t of target === undefined ? TARGETS : [target]) out.add(op.expected(e, t));
  }
  // A task's existence is not modelled (tasks.max and PAUSED-from-STOPPED decide it); a task that
  // existed but no longer runs (connector stopped) answers 409 as in Connect 4.3.1.
  if (op.label.startsWith("restart task") && exists !== false) {
    out.add(404);
    out.add(409);
  }
  return out;
}

/** The message of Connect's 4xx answer to `op` (/work/shared/connect-rest-api.md §3, the recorded fixtures). */
export function connectMessage(op: Op, status: number): string | RegExp | undefined {
  const n = op.connector.name;
  if (status === 409 && op.label.startsWith("restart task"))
    return "Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway.";
  if (status === 409) return `Connector ${n} already exists`;
  if (status === 400)
    return `Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${n}/stop' endpoint`;
  if (status !== 404) return undefined;
  const tail = op.path.startsWith(`/connectors/${n}`) ? op.path.slice(`/connectors/${n}`.length) : "";
  if (op.method === "PUT" && /^\/(pause|resume|stop)$/.test(tail)) return `Unknown connector ${n}`;
  if (tail.startsWith("/restart")) return `Unknown connector: ${n}`;
  // Connector names here are [a-z0-9-] only: nothing to escape.
  if (/^\/tasks\/\d+\/restart$/.test(tail)) return new RegExp(`^Unknown (connector: ${n}|task: ${n}-\\d+)$`);
  if (tail === "/status") return `No status found for connector ${n}`;
  return `Connector ${n} not found`;
}

export function createOp(c: ConnectorModel, pools: Pools, rnd: Prng): Op {
  return {
    label: `create ${c.name}`,
    connector: c,
    method: "POST",
    path: "/connectors",
    body: { name: c.name, config: connectorConfig(c, pools, rnd) },
    mutates: true,
    expected: (exists) => (exists ? 409 : 201),
    apply: (m, status) => {
      if (status === 201) Object.assign(m, { exists: true, target: "RUNNING" });
    },
  };
}

export function restartOp(c: ConnectorModel): Op {
  return {
    label: `restart ${c.name} with tasks`,
    connector: c,
    method: "POST",
    path: `/connectors/${c.name}/restart?includeTasks=true`,
    mutates: true,
    expected: (exists) => (exists ? 202 : 404),
  };
}

export function deleteOp(c: ConnectorModel): Op {
  return {
    label: `delete ${c.name}`,
    connector: c,
    method: "DELETE",
    path: `/connectors/${c.name}`,
    mutates: true,
    expected: (exists) => (exists ? 204 : 404),
  };
}
