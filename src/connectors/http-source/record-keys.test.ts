import { describe, expect, test } from "bun:test";
import { Slicer } from "../../util/sliced.ts";
import { recordKeys } from "./record-keys.ts";
import { parseJsonBody, selectRecords } from "./records.ts";

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
});
