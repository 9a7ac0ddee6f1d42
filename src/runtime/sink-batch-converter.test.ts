/**
 * The sink's conversion attempts, as Connect's: a record's failing conversion or transformation is
 * attempted as often as Connect's RetryWithToleranceOperator attempts it, the failure of the direct
 * path being its first attempt. Regression: the direct path's failure was followed by a fresh pass
 * through the operator, so a failing stage ran once more than in Connect (a converter failing once
 * delivered its record where Connect's task fails, and a failing plugin saw every bad record twice).
 */
import { expect, test } from "bun:test";
import type { SinkTask } from "../api/connector.ts";
import type { Converter } from "../api/converter.ts";
import { Schemas } from "../api/data/schema.ts";
import { DataError } from "../errors.ts";
import type { ConsumedRecord } from "../kafka/kafka-port.ts";
import { ActiveTopics } from "./active-topics.ts";
import { SinkBatchConverter } from "./sink-batch-converter.ts";
import { stringConverters, taskBasics } from "./task-test-support.ts";
import { TransformationChain } from "./transformation-chain.ts";

const consumed = (offset: number): ConsumedRecord => ({
  topic: "t",
  partition: 0,
  offset,
  timestamp: 1,
  timestampType: "CreateTime",
  key: null,
  value: new TextEncoder().encode(`v${offset}`),
  headers: [],
});

/** A value converter whose calls are counted; it throws while `failing(call)` says so. */
function countingConverter(failing: (call: number) => boolean): { converter: Converter; calls: () => number } {
  let calls = 0;
  const converter: Converter = {
    configure: () => {},
    fromConnectData: () => null,
    toConnectData: (_t, _h, value) => {
      calls++;
      if (failing(calls)) throw new DataError("cannot read it");
      return { schema: Schemas.OPTIONAL_STRING, value: value && new TextDecoder().decode(value) };
    },
  };
  return { converter, calls: () => calls };
}

function batchConverter(converter: Converter, tolerance: "none" | "all") {
  const basics = taskBasics(tolerance);
  const sink = new SinkBatchConverter({
    task: {} as SinkTask,
    converters: { ...stringConverters, value: converter },
    transformations: TransformationChain.EMPTY,
    operator: basics.operator,
    log: basics.log,
    metrics: basics.metrics,
    activeTopics: new ActiveTopics(() => true),
  });
  return { sink, metrics: basics.metrics };
}

test("a conversion that fails once fails the record (errors.tolerance=none), as Connect's single attempt", async () => {
  const { converter, calls } = countingConverter((call) => call === 1);
  const { sink } = batchConverter(converter, "none");
  await expect(sink.convert([[consumed(0)]])).rejects.toThrow();
  expect(calls()).toBe(1);
});

test("a failing conversion is attempted once per record and counted once (errors.tolerance=all)", async () => {
  const { converter, calls } = countingConverter((call) => call !== 2);
  const { sink, metrics } = batchConverter(converter, "all");
  const records = await sink.convert([[consumed(0), consumed(1), consumed(2)]]);
  expect(records.map((r) => r.value)).toEqual(["v1"]);
  expect(calls()).toBe(3);
  expect([metrics.totalRecordFailures, metrics.totalRecordErrors, metrics.totalRecordsSkipped]).toEqual([2, 2, 2]);
});
