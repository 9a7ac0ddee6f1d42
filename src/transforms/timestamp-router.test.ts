import { describe, expect, test } from "bun:test";
import { DataError } from "../errors.ts";
import { TimestampRouter, timestampRouter } from "./timestamp-router.ts";
import { IllegalArgumentError } from "./util/errors.ts";
import { expectError, sinkRecord, srcRecord } from "./util/test-support.ts";

// Connect's placeholders, kept out of string literals that look like templates.
const TOPIC = "$" + "{topic}";
const TS = "$" + "{timestamp}";
const JAN_17_2016 = 1453046400000; // 2016-01-17T16:00:00Z

function route(configs: Record<string, string>, topic: string, timestamp: number): string {
  const xform = new TimestampRouter();
  xform.configure(configs);
  return xform.apply(srcRecord({ topic, timestamp })).topic;
}

describe("TimestampRouter", () => {
  test.each([
    [{}, "test", "test-20160117"],
    [{ "topic.format": `${TOPIC}_${TS}`, "timestamp.format": "yyyy-MM" }, "t", "t_2016-01"],
    [{ "topic.format": "archive", "timestamp.format": "yyyy" }, "t", "archive"],
    [{ "topic.format": `${TS}/${TOPIC}/${TOPIC}`, "timestamp.format": "HH" }, "t$1", "16/t$1/t$1"],
    // Review rv25f: SimpleDateFormat copies `$`, `&` and `'` '' as written; Java's String.replace is literal.
    [{ "topic.format": `${TOPIC}-${TS}`, "timestamp.format": "yyyy$&$''" }, "t", "t-2016$&$'"],
  ])("routes with %p", (configs, topic, expected) => {
    expect(route(configs, topic, JAN_17_2016)).toBe(expected);
  });

  // Review runhunt2: a timestamp beyond a JavaScript Date's ±8.64e15 ms was formatted as "NaN".
  test("a record timestamp beyond the dates supported here fails the record with a DataError", () => {
    expectError(
      () => route({}, "t", 8.64e15 + 1),
      DataError,
      "Record timestamp 8640000000000001 is out of the range of dates supported here (dates beyond ±8.64e15 ms from the epoch are not supported)",
    );
  });

  test("declares Apache's defaults", () => {
    expect(timestampRouter.config.keys.map((k) => [k.name, k.meta.default])).toEqual([
      ["topic.format", `${TOPIC}-${TS}`],
      ["timestamp.format", "yyyyMMdd"],
    ]);
  });

  test("keeps the sink record's own fields", () => {
    const xform = new TimestampRouter();
    xform.configure({});
    const record = sinkRecord({ topic: "t", timestamp: JAN_17_2016, kafkaOffset: 12 });
    expect(xform.apply(record)).toEqual({ ...record, topic: "t-20160117" });
  });

  test("fails on a record without a timestamp", () => {
    const xform = new TimestampRouter();
    xform.configure({});
    expectError(
      () => xform.apply(srcRecord({ topic: "t" })),
      DataError,
      "Timestamp missing on record: ConnectRecord{topic='t', kafkaPartition=0, timestamp=null}",
    );
  });

  test("a timestamp format SimpleDateFormat rejects fails each record, not configure, as in Apache", () => {
    const xform = new TimestampRouter();
    xform.configure({ "timestamp.format": "bad" });
    expectError(
      () => xform.apply(srcRecord({ topic: "t", timestamp: 0 })),
      IllegalArgumentError,
      "Illegal pattern character 'b'",
    );
  });
});
