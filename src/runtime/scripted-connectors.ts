/**
 * Scripted connectors for unit tests of the Herder, the Worker and the REST routes (the in-process
 * worker of `herder-test-support.ts` registers them): a source and a sink connector whose every
 * plugin call a test can steer through a `Script` (hang, fail, count), with counters and the
 * contexts they were given (`Scripted`). Tests only.
 */
import type {
  Config,
  ConnectorContext,
  SinkConnector,
  SinkTask,
  SinkTaskContext,
  SourceConnector,
  SourceTask,
  SourceTaskContext,
} from "../api/connector.ts";
import type { SinkRecord, SourceRecord } from "../api/record.ts";
import { check, defineConfig, key } from "../plugin/config-def.ts";
import type { ConfigProblem, SinkConnectorDescriptor, SourceConnectorDescriptor } from "../plugin/descriptor.ts";

type MaybePromise<T> = T | Promise<T>;

/** What scripted connectors and tasks do; every hook is optional and may be swapped mid-test. */
export interface Script {
  /** Called as the connector is instantiated (Connect's plugins.newConnector): throwing fails it before it is built. */
  create?(): void;
  start?(config: Config, context: ConnectorContext): MaybePromise<void>;
  stop?(): MaybePromise<void>;
  /** Default: `maxTasks` copies of `{}`. */
  taskConfigs?(maxTasks: number): Config[];
  taskStart?(config: Config): MaybePromise<void>;
  /** Default: waits (≤ 100 ms, or until the signal aborts) and returns null. */
  poll?(signal: AbortSignal): Promise<SourceRecord[] | null>;
  put?(records: readonly SinkRecord[]): MaybePromise<void>;
  /** Extra cross-key problems on top of the built-in rule (auth.token required for BEARER). */
  validate?(config: Config): ConfigProblem[];
  /** The connector's check of an offsets change (SourceConnector/SinkConnector.alterOffsets). Default: true. */
  alterOffsets?(): MaybePromise<boolean>;
}

export const SCRIPTED_SOURCE = "test.ScriptedSourceConnector";
export const SCRIPTED_SINK = "test.ScriptedSinkConnector";

/** Counters and contexts of every scripted instance, for assertions. */
export class Scripted {
  script: Script = {};
  readonly connectorContexts: ConnectorContext[] = [];
  readonly taskContexts: (SourceTaskContext | SinkTaskContext)[] = [];
  connectorStarts = 0;
  connectorStops = 0;
  /** Tasks instantiated (the plugin's createTask), started or not. */
  tasksCreated = 0;
  taskStarts = 0;
  taskStops = 0;
}

const scriptedConfig = defineConfig({
  "auth.type": key.string({
    doc: "NONE or BEARER.",
    default: "NONE",
    importance: "LOW",
    validators: [check.oneOf(["NONE", "BEARER"])],
  }),
  "auth.token": key.password({ doc: "Required with auth.type=BEARER.", default: null, importance: "LOW" }),
  topic: key.string({ doc: "Topic.", default: "scripted", importance: "LOW" }),
});

function validate(scripted: Scripted, config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (config["auth.type"] === "BEARER" && !config["auth.token"])
    problems.push({ key: "auth.token", message: "auth.token is required when auth.type is BEARER" });
  return [...problems, ...(scripted.script.validate?.(config) ?? [])];
}

function connector(scripted: Scripted): SourceConnector & SinkConnector {
  scripted.script.create?.();
  let maxTasksConfig: Config = {};
  return {
    initialize: (context: ConnectorContext) => void scripted.connectorContexts.push(context),
    start: (config) => {
      scripted.connectorStarts++;
      maxTasksConfig = config;
      return scripted.script.start?.(config, scripted.connectorContexts.at(-1)!);
    },
    taskConfigs: (maxTasks) =>
      scripted.script.taskConfigs?.(maxTasks) ??
      Array.from({ length: maxTasks }, () => ({ topic: maxTasksConfig.topic ?? "scripted" })),
    stop: () => {
      scripted.connectorStops++;
      return scripted.script.stop?.();
    },
    alterOffsets: () => scripted.script.alterOffsets?.() ?? true,
  };
}

/**
 * Waits 100 ms or until `signal` aborts. The listener is removed when the timer fires: the poll
 * signal is shared by every poll until pause/stop, so a listener per poll would pile up.
 */
function idlePoll(signal: AbortSignal): Promise<null> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(null);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(null);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(null);
    }, 100);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function scriptedTask(scripted: Scripted) {
  scripted.tasksCreated++;
  return {
    initialize: (context: SourceTaskContext | SinkTaskContext) => void scripted.taskContexts.push(context),
    start: (config: Config) => {
      scripted.taskStarts++;
      return scripted.script.taskStart?.(config);
    },
    stop: () => void scripted.taskStops++,
  };
}

function sourceTask(scripted: Scripted): SourceTask {
  return { ...scriptedTask(scripted), poll: (signal) => (scripted.script.poll ?? idlePoll)(signal) };
}

function sinkTask(scripted: Scripted): SinkTask {
  return { ...scriptedTask(scripted), put: (records) => scripted.script.put?.(records) };
}

export function scriptedPlugins(scripted: Scripted): [SourceConnectorDescriptor, SinkConnectorDescriptor] {
  const common = { version: "1.0", config: scriptedConfig, validate: (c: Config) => validate(scripted, c) };
  return [
    {
      ...common,
      type: "source",
      className: SCRIPTED_SOURCE,
      summary: "Test source whose behaviour the test scripts.",
      taskClass: "test.ScriptedSourceTask",
      create: () => connector(scripted),
      createTask: () => sourceTask(scripted),
    },
    {
      ...common,
      type: "sink",
      className: SCRIPTED_SINK,
      summary: "Test sink whose behaviour the test scripts.",
      taskClass: "test.ScriptedSinkTask",
      create: () => connector(scripted),
      createTask: () => sinkTask(scripted),
    },
  ];
}
