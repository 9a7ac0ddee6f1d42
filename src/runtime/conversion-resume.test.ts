/**
 * The operator path resumes at the stage the direct path failed at, with exactly what that stage
 * was given: the Kafka headers a source key converter added are there once, a transformation that
 * changed its input in place is not applied again, a filter before the failing step drops the record.
 */
import { describe, expect, test } from "bun:test";
import type { Converter, HeaderConverter } from "../api/converter.ts";
import { type ConnectRecord, type SourceRecord, sourceRecord } from "../api/record.ts";
import { RetriableError } from "../errors.ts";
import { PluginRegistry } from "../plugin/registry.ts";
import { systemClock } from "../util/clock.ts";
import { RetryWithToleranceOperator } from "./errors/retry-with-tolerance.ts";
import { DirectFailure } from "./errors/stage.ts";
import {
  type RecordConverters,
  toProducerRecord,
  toProducerRecordDirect,
  toSinkRecord,
  toSinkRecordDirect,
} from "./record-conversion.ts";
import { consumedText, stringConverters, taskBasics } from "./task-test-support.ts";
import { TransformationChain } from "./transformation-chain.ts";

const utf8 = new TextEncoder();
const text = new TextDecoder();

function operator() {
  const b = taskBasics("none");
  return new RetryWithToleranceOperator(
    { tolerance: "none", retryTimeoutMs: 60_000, retryDelayMaxMs: 1 },
    [],
    systemClock,
    b.id,
    b.metrics,
  );
}

/** Runs `direct`; its DirectFailure, which it must throw. */
function failureOf(direct: () => unknown): DirectFailure {
  try {
    direct();
  } catch (error) {
    if (error instanceof DirectFailure) return error;
    throw error;
  }
  throw new Error("the direct path did not fail");
}

/** Fails its first call with a retriable error, then does as `inner`. */
function onceFailing<A extends unknown[], T>(calls: { n: number }, inner: (...args: A) => T): (...args: A) => T {
  return (...args: A) => {
    if (++calls.n === 1) throw new RetriableError("not now");
    return inner(...args);
  };
}

describe("source: resumes at the failed converter", () => {
  test("a header the key converter added is there once when the value converter fails once", async () => {
    const keyCalls = { n: 0 };
    const valueCalls = { n: 0 };
    const key: Converter = {
      ...stringConverters.key,
      fromConnectData: (topic, headers, schema, value) => {
        keyCalls.n++;
        headers.add("from-key", utf8.encode("k"));
        return stringConverters.key.fromConnectData(topic, headers, schema, value);
      },
    };
    const value: Converter = {
      ...stringConverters.value,
      fromConnectData: onceFailing(valueCalls, stringConverters.value.fromConnectData),
    };
    const converters: RecordConverters = { ...stringConverters, key, value };
    const record = sourceRecord({ topic: "t", key: "k", value: "v" });
    const direct = failureOf(() => toProducerRecordDirect(record, converters));
    expect(direct.stage).toBe("VALUE_CONVERTER");
    const produced = await toProducerRecord(record, converters, operator(), record, direct);
    expect(produced?.headers.map((h) => h.key)).toEqual(["from-key"]);
    expect(produced?.value && text.decode(produced.value)).toBe("v");
    expect(keyCalls.n).toBe(1);
    expect(valueCalls.n).toBe(2);
  });

  test("the header converter failing once (the first stage) runs the record whole", async () => {
    const calls = { n: 0 };
    const header: HeaderConverter = {
      ...stringConverters.header,
      fromConnectHeader: onceFailing(calls, stringConverters.header.fromConnectHeader),
    };
    const converters: RecordConverters = { ...stringConverters, header };
    const record = sourceRecord({ topic: "t", key: "k", value: "v" });
    const withHeader: SourceRecord = { ...record, headers: record.headers.add("h", "x", null) };
    const direct = failureOf(() => toProducerRecordDirect(withHeader, converters));
    expect(direct.stage).toBe("HEADER_CONVERTER");
    const produced = await toProducerRecord(withHeader, converters, operator(), withHeader, direct);
    expect(produced?.headers.map((h) => [h.key, h.value && text.decode(h.value)])).toEqual([["h", "x"]]);
    expect(produced?.key && text.decode(produced.key)).toBe("k");
  });
});

describe("sink: resumes at the failed converter", () => {
  const consumed = consumedText("k", "v", [{ key: "h", value: utf8.encode("x") }]);

  test("the header converter (the last stage) failing once: key and value converted once", async () => {
    const keyCalls = { n: 0 };
    const headerCalls = { n: 0 };
    const key: Converter = {
      ...stringConverters.key,
      toConnectData: (...args) => {
        keyCalls.n++;
        return stringConverters.key.toConnectData(...args);
      },
    };
    const header: HeaderConverter = {
      ...stringConverters.header,
      toConnectHeader: onceFailing(headerCalls, stringConverters.header.toConnectHeader),
    };
    const converters: RecordConverters = { ...stringConverters, key, header };
    const direct = failureOf(() => toSinkRecordDirect(consumed, converters));
    expect(direct.stage).toBe("HEADER_CONVERTER");
    const record = await toSinkRecord(consumed, converters, operator(), false, direct);
    expect(record?.key).toBe("k");
    expect(record?.value).toBe("v");
    expect([...(record?.headers ?? [])].map((h) => [h.key, h.value])).toEqual([["h", "x"]]);
    expect(keyCalls.n).toBe(1);
    expect(headerCalls.n).toBe(2);
  });

  test("the key converter (the first stage) failing once", async () => {
    const calls = { n: 0 };
    const key: Converter = {
      ...stringConverters.key,
      toConnectData: onceFailing(calls, stringConverters.key.toConnectData),
    };
    const converters: RecordConverters = { ...stringConverters, key };
    const direct = failureOf(() => toSinkRecordDirect(consumed, converters));
    expect(direct.stage).toBe("KEY_CONVERTER");
    const record = await toSinkRecord(consumed, converters, operator(), false, direct);
    expect([record?.key, record?.value]).toEqual(["k", "v"]);
  });
});

describe("transformations: resume at the failed step with the record it was given", () => {
  type Step = (record: ConnectRecord) => ConnectRecord | null;
  function chain(steps: Record<string, Step>, config: Record<string, string> = {}) {
    const plugins = Object.entries(steps).map(([alias, apply]) => ({
      type: "transformation" as const,
      className: `test.${alias}`,
      version: "1",
      config: undefined as never,
      summary: alias,
      create: () => ({ configure() {}, apply }),
    }));
    const predicate = {
      type: "predicate" as const,
      className: "test.IsV",
      version: "1",
      config: undefined as never,
      summary: "value starts with v",
      create: () => ({ configure() {}, test: (r: ConnectRecord) => String(r.value).startsWith("v") }),
    };
    const aliases = Object.keys(steps);
    return TransformationChain.fromConfig(new PluginRegistry([...plugins, predicate]), {
      transforms: aliases.join(","),
      ...Object.fromEntries(aliases.map((a) => [`transforms.${a}.type`, `test.${a}`])),
      predicates: "isV",
      "predicates.isV.type": "test.IsV",
      ...config,
    });
  }

  test("a step that changed its input in place is not applied again; a negated predicate's step is skipped", async () => {
    const failCalls = { n: 0 };
    const c = chain(
      {
        bump: (r) => {
          (r as { value: unknown }).value = `${r.value}+`;
          return r;
        },
        skipped: () => {
          throw new Error("a negated predicate that holds skips this step");
        },
        last: onceFailing(failCalls, (r: ConnectRecord) => r),
      },
      { "transforms.skipped.predicate": "isV", "transforms.skipped.negate": "true" },
    );
    const record = sourceRecord({ topic: "t", value: "v" });
    const direct = failureOf(() => c.applyDirect(record));
    expect([direct.stage, direct.step]).toEqual(["TRANSFORMATION", 2]);
    const transformed = await c.apply(record, operator(), { source: record }, direct);
    expect(transformed?.value).toBe("v+");
    expect(failCalls.n).toBe(2);
  });

  test("a filter before the failing step drops the record: the failing step is not reached", () => {
    let reached = false;
    const c = chain({
      filter: () => null,
      fail: () => {
        reached = true;
        throw new Error("unreachable");
      },
    });
    expect(c.applyDirect(sourceRecord({ topic: "t", value: "v" }))).toBeNull();
    expect(reached).toBe(false);
  });
});
