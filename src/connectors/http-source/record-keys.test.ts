import { describe, expect, test } from "bun:test";
import { Slicer } from "../../util/sliced.ts";
import { recordKeys } from "./record-keys.ts";
import { parseJsonBody, ResponseFormatError, selectRecords } from "./records.ts";

const page = (text: string) => parseJsonBody(new TextEncoder().encode(text));

describe("recordKeys (http.record.key.field)", () => {
  test("an object or array field is its JSON text as sent, by name, dotted path or JSONPath (explore12 F4)", async () => {
    const doc = page(
      '[{"meta":{"id":{"b":1,"10":[1.50, 2]}}},{"meta":{"id":[ {"y":1e3,"2":"x"} ]}},{"meta":{"id":7.50}},{"meta":{}}]',
    );
    const slicer = new Slicer();
    const records = await selectRecords(doc, "$[*]", slicer);
    for (const field of ["meta.id", "$.meta.id"])
      expect(await recordKeys(doc, records, field, slicer)).toEqual([
        '{"b":1,"10":[1.50,2]}',
        '[{"y":1e3,"2":"x"}]',
        "7.5",
        undefined,
      ]);
  });

  test("a number beyond a double (1e999999, Infinity to JSON.parse) is its text as sent, not no key (srcp3)", async () => {
    const doc = page('[{"id":1e999999},{"id":-1E+400},{"id":{"n":1e999999}},{"id":2.5e3},{"id":"1e999999"}]');
    const slicer = new Slicer();
    const records = await selectRecords(doc, "$[*]", slicer);
    expect(await recordKeys(doc, records, "id", slicer)).toEqual([
      "1e999999",
      "-1E+400",
      '{"n":1e999999}',
      "2500",
      "1e999999",
    ]);
  });

  test("an object or array nested more than 1000 levels deep is a ResponseFormatError (behavior.on.error decides); 1000 levels is a key", async () => {
    const nested = (depth: number) => `${"[".repeat(depth)}1.50${"]".repeat(depth)}`;
    const slicer = new Slicer();
    const keysAt = async (depth: number) => {
      const doc = page(`[{"id":"k0"},{"id":${nested(depth)}}]`);
      return recordKeys(doc, await selectRecords(doc, "$[*]", slicer), "id", slicer);
    };
    expect(await keysAt(1000)).toEqual(["k0", nested(1000)]);
    const thrown = await keysAt(20_000).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(ResponseFormatError);
    expect((thrown as Error).message).toBe(
      "A record's http.record.key.field id nests arrays and objects more than 1000 levels deep",
    );
  });
});
