/**
 * HttpIngestSourceConnector.alterOffsets (PATCH and DELETE /connectors/{c}/offsets): only the spool's
 * offset of a spool-mode connector, as the task writes and reads it (explore23 F2: any partition and
 * offset were stored, listed, and a non-numeric sequence silently ignored by the drain).
 */
import { describe, expect, test } from "bun:test";
import { JavaDouble } from "../../api/data/java-double.ts";
import type { SourceMap } from "../../api/record.ts";
import { ConnectError } from "../../errors.ts";
import { HttpIngestSourceConnector } from "./connector.ts";
import { spoolPartition } from "./spool-offset.ts";
import { ingestServices, SPOOL_CONFIG } from "./test-support.ts";

const KAFKA_CONFIG = { ...SPOOL_CONFIG, "ingest.ack.mode": "kafka" };
const alter = (config: Record<string, string>, offsets: { partition: SourceMap; offset: SourceMap | null }[]) =>
  new HttpIngestSourceConnector(ingestServices().services).alterOffsets(config, offsets, undefined, "c");
const own = spoolPartition("c");

describe("HttpIngestSourceConnector.alterOffsets", () => {
  describe("in spool mode", () => {
    test.each([
      ["a sequence", { seq: 5 }],
      ["sequence 0", { seq: 0 }],
      ["5.0 (the task reads it as 5)", { seq: new JavaDouble(5) }],
      ["a removal", null],
    ])("accepts %s of its spool, handled (true)", async (_what, offset) => {
      expect(await alter(SPOOL_CONFIG, [{ partition: own, offset }])).toBe(true);
    });

    test("accepts the removal of any partition (one stored before these checks can go) and a reset", async () => {
      expect(await alter(SPOOL_CONFIG, [{ partition: { foo: "bar" }, offset: null }])).toBe(true);
      expect(await alter(SPOOL_CONFIG, [])).toBe(true);
    });

    const partitionMessage =
      'Partition objects should contain only the key \'spool\' with the connector\'s name: {"spool":"c"} is its only source partition';
    const longMessage =
      "The value for the 'seq' key in the offset is expected to be a Long value up to 9007199254740991 (a spool sequence)";
    test.each([
      ["another connector's spool", { spool: "other" }, { seq: 5 }, partitionMessage],
      ["a foreign partition", { foo: "bar" }, { x: 1 }, partitionMessage],
      ["its spool with another key", { spool: "c", x: 1 }, { seq: 5 }, partitionMessage],
      ["a null partition", null as unknown as SourceMap, { seq: 5 }, partitionMessage],
      ["no seq", own, { x: 1 }, "Offset objects should either be null or contain only the key 'seq'"],
      [
        "seq and another key",
        own,
        { seq: 1, x: 1 },
        "Offset objects should either be null or contain only the key 'seq'",
      ],
      ["a text seq", own, { seq: "abc" }, longMessage],
      ["a numeric text seq", own, { seq: "5" }, longMessage],
      ["a fraction", own, { seq: new JavaDouble(5.5) }, longMessage],
      ["a seq beyond 2^53", own, { seq: 2n ** 60n }, longMessage],
      ["a null seq", own, { seq: null }, longMessage],
      ["a negative seq", own, { seq: -5 }, "The value for the 'seq' key in the offset should be a non-negative value"],
    ])("refuses %s", async (_what, partition, offset, message) => {
      await expect(alter(SPOOL_CONFIG, [{ partition, offset }])).rejects.toThrow(new ConnectError(message));
    });
  });

  describe("in kafka mode (no source offsets)", () => {
    test.each([
      ["its spool's", own],
      ["a foreign one", { foo: "bar" }],
    ])("refuses an offset of any partition: %s", async (_what, partition) => {
      await expect(alter(KAFKA_CONFIG, [{ partition, offset: { seq: 5 } }])).rejects.toThrow(
        new ConnectError(
          "Offsets cannot be modified when ingest.ack.mode=kafka: its records carry no source offset (an HTTP client holds its data until it is answered), only a connector in ingest.ack.mode=spool has one, its spool's",
        ),
      );
    });

    test("accepts removals (offsets a spool-mode run left) and a reset", async () => {
      expect(await alter(KAFKA_CONFIG, [{ partition: own, offset: null }])).toBe(true);
      expect(await alter(KAFKA_CONFIG, [])).toBe(true);
    });
  });
});
