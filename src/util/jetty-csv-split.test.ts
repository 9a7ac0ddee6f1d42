import { describe, expect, test } from "bun:test";
import fixtures from "../../test/fixtures/response-http-headers/fixtures.json";
import { jettyCsvSplit } from "./jetty-csv-split.ts";

describe("jettyCsvSplit", () => {
  test.each(fixtures.map((f) => [f.input, f.items] as const))(
    "%j splits as Jetty's StringUtil.csvSplit",
    (input, items) => {
      expect(jettyCsvSplit(input)).toEqual(items);
    },
  );
});
