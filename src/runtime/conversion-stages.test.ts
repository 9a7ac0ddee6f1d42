/**
 * Each conversion stage of a record runs as often as in Connect (WorkerSinkTask
 * convertAndTransformRecord, WorkerSourceTask: every converter and transformation step is its own
 * RetryWithToleranceOperator call): once when it succeeds, as often as the operator attempts it when
 * it fails. Regression: a failure on the direct path sent the record through the error operator from
 * its first stage, so the stages that had succeeded ran again (a counting transformation or a
 * converter with side effects saw the record twice).
 * A sink record's topic becomes active (GET /connectors/{name}/topics) once its converters succeeded,
 * before the transformations, as in Connect. Regression (explore9 F2): a record whose conversion
 * failed (errors.tolerance=all) listed its topic.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SinkTask, SourceTask } from "../api/connector.ts";
import type { Converter } from "../api/converter.ts";
import { type ConnectRecord, type SourceRecord, sourceRecord } from "../api/record.ts";
import { DataError, RetriableError } from "../errors.ts";
import { PluginRegistry } from "../plugin/registry.ts";
import { systemClock } from "../util/clock.ts";
import { ActiveTopics } from "./active-topics.ts";
import { RetryWithToleranceOperator } from "./errors/retry-with-tolerance.ts";
import type { RecordConverters } from "./record-conversion.ts";
import { SinkBatchConverter } from "./sink-batch-converter.ts";
import {
  awaitFailed,
  consumedText,
  idlePoll,
  memorySourceTask,
  stopAndAwait,
  stringConverters,
  taskBasics,
} from "./task-test-support.ts";
import { TransformationChain } from "./transformation-chain.ts";

const text = new TextDecoder();

type Counted = "key" | "value" | "count" | "fail";
/** How the failing stage fails on the record "bad": for good (not retriable), or once (retriable). */
type Failure = "fatal" | "retriable-once";

/** Counts each stage's calls for the record "bad"; `failing` fails as `failure` says. */
class Stages {
  readonly calls: Record<Counted, number> = { key: 0, value: 0, count: 0, fail: 0 };
  constructor(
    readonly failing: "value" | "fail",
    readonly failure: Failure,
  ) {}

  run<T>(stage: Counted, subject: unknown, result: () => T): T {
    if (subject !== "bad") return result();
    const call = ++this.calls[stage];
    if (stage === this.failing) {
      if (this.failure === "fatal") throw new DataError(`${stage} cannot take it`);
      if (call === 1) throw new RetriableError(`${stage} not now`);
    }
    return result();
  }

  /** `count` and `fail` as a connector's `transforms`, loaded from a registry as plugins are. */
  chain(): TransformationChain {
    const transform = (stage: Counted) => ({
      type: "transformation" as const,
      className: `test.${stage}`,
      version: "1",
      config: undefined as never,
      summary: stage,
      create: () => ({
        configure() {},
        apply: (record: ConnectRecord) => this.run(stage, record.value, () => record),
      }),
    });
    return TransformationChain.fromConfig(new PluginRegistry([transform("count"), transform("fail")]), {
      transforms: "count,fail",
      "transforms.count.type": "test.count",
      "transforms.fail.type": "test.fail",
    });
  }

  /** String converters whose key and value calls are counted. */
  converters(): RecordConverters {
    const counted = (stage: Counted): Converter => ({
      ...stringConverters.value,
      toConnectData: (topic, headers, value) =>
        this.run(stage, value && text.decode(value), () => stringConverters.value.toConnectData(topic, headers, value)),
      fromConnectData: (topic, headers, schema, value) =>
        this.run(stage, value, () => stringConverters.value.fromConnectData(topic, headers, schema, value)),
    });
    return { ...stringConverters, key: counted("key"), value: counted("value") };
  }

  /** Every stage before the failing one ran once, the failing one once or (retried) twice, the later ones once if it recovered. */
  expectConnectCounts(order: readonly Counted[]): void {
    const failed = order.indexOf(this.failing);
    const expected = Object.fromEntries(
      order.map((stage, i) => [
        stage,
        i < failed ? 1 : i === failed ? (this.failure === "fatal" ? 1 : 2) : this.failure === "fatal" ? 0 : 1,
      ]),
    );
    expect(this.calls).toEqual(expected as Record<Counted, number>);
  }
}

function basics(tolerance: "none" | "all") {
  const b = taskBasics(tolerance);
  // errors.retry.timeout > 0, with a short delay: a retriable failure is retried.
  const config = { tolerance, retryTimeoutMs: 60_000, retryDelayMaxMs: 1 };
  const operator = new RetryWithToleranceOperator(config, [], systemClock, b.id, b.metrics);
  return { ...b, operator };
}

const CASES = (["none", "all"] as const).flatMap((tolerance) =>
  (["value", "fail"] as const).flatMap((failing) =>
    (["fatal", "retriable-once"] as const).map((failure) => ({ tolerance, failing, failure })),
  ),
);

describe("sink: each stage runs as in Connect (key, value converters, then transformations)", () => {
  const consumed = consumedText("bad", "bad");

  test.each(CASES)(
    "errors.tolerance=$tolerance, $failing fails ($failure)",
    async ({ tolerance, failing, failure }) => {
      const stages = new Stages(failing, failure);
      const b = basics(tolerance);
      const active: string[] = [];
      const sink = new SinkBatchConverter({
        task: {} as SinkTask,
        converters: stages.converters(),
        transformations: stages.chain(),
        operator: b.operator,
        log: b.log,
        metrics: b.metrics,
        activeTopics: new ActiveTopics((topic) => active.push(topic) > 0),
      });
      const converting = sink.convert([[consumed]]);
      if (failure === "retriable-once") expect((await converting).map((r) => r.value)).toEqual(["bad"]);
      else if (tolerance === "all") expect(await converting).toEqual([]);
      else await expect(converting).rejects.toThrow("Tolerance exceeded in error handler");
      stages.expectConnectCounts(["key", "value", "count", "fail"]);
      const converted = failing === "fail" || failure === "retriable-once";
      expect(active).toEqual(converted ? ["t"] : []);
    },
  );
});

describe("source: each stage runs as in Connect (transformations, then key, value converters)", () => {
  /** Hands out one batch, then nothing. */
  class OneBatch implements SourceTask {
    constructor(private batch: SourceRecord[] | undefined) {}
    initialize(): void {}
    start(): void {}
    async poll(signal: AbortSignal): Promise<SourceRecord[] | null> {
      const batch = this.batch;
      this.batch = undefined;
      if (batch) return batch;
      await idlePoll(signal);
      return null;
    }
    stop(): void {}
  }
  const record = (v: string) => sourceRecord({ topic: "t", key: v, value: v });

  test.each(CASES)(
    "errors.tolerance=$tolerance, $failing fails ($failure)",
    async ({ tolerance, failing, failure }) => {
      const stages = new Stages(failing, failure);
      const b = basics(tolerance);
      const { kafka, task, listener } = memorySourceTask({
        plugin: new OneBatch([record("bad"), record("ok")]),
        taskClass: "test.OneBatch",
        basics: b,
        options: { converters: stages.converters(), transformations: stages.chain() },
      });
      const written = () => kafka.records("t").map((r) => r.value && text.decode(r.value));
      task.start();
      if (failure === "fatal" && tolerance === "none") {
        await awaitFailed(listener);
      } else {
        // "ok" comes after "bad" in the batch: once it is written, "bad" went through every stage.
        await waitFor(() => written().includes("ok"), { what: "the batch to be written" });
        expect(written()).toEqual(failure === "fatal" ? ["ok"] : ["bad", "ok"]);
      }
      await stopAndAwait(task);
      stages.expectConnectCounts(["count", "fail", "key", "value"]);
    },
  );
});
