import { describe, expect, test } from "bun:test";
import { Schemas } from "../../api/data/schema.ts";
import { convertTo } from "../../api/data/values.ts";
import { jsonToConnect } from "../../converters/json-to-connect.ts";
import { thrownBy } from "../../errors-test-support.ts";
import { errorContextHeaders } from "./error-context-headers.ts";
import { jsonConversionFailure } from "./processing-context-test-support.ts";

describe("errorContextHeaders", () => {
  test("a lone surrogate in the error's texts is written as ? (3F), as Connect's getBytes(UTF_8) writes it", () => {
    // "😀" read as a number: BigDecimal names the emoji's first UTF-16 unit alone (its compact path).
    const error = thrownBy(() => convertTo(Schemas.OPTIONAL_INT64, null, "😀"));
    const headers = errorContextHeaders({ ...jsonConversionFailure(), error });
    const value = (key: string) => headers.find((h) => h.key === `__connect.errors.${key}`)!.value!;
    const stray = 'Character ? is neither a decimal digit number, decimal point, nor "e" notation exponential mark.';
    expect(new TextDecoder().decode(value("exception.message"))).toBe(
      "Unable to convert 😀 (class java.lang.String) to a number",
    );
    const trace = value("exception.stacktrace");
    expect(new TextDecoder().decode(trace)).toContain(`\nCaused by: java.lang.NumberFormatException: ${stray}`);
    // Never U+FFFD's bytes EF BF BD; the whole emoji in the DataException's message keeps its four bytes.
    expect(Buffer.from(trace).includes(Buffer.from([0xef, 0xbf, 0xbd]))).toBe(false);
    expect(Buffer.from(trace).includes(Buffer.from([0xf0, 0x9f, 0x98, 0x80]))).toBe(true);
  });

  test("Jackson's base64 message naming a lone surrogate is written with ? (review runhunt2b P4)", () => {
    const error = thrownBy(() => jsonToConnect(Schemas.BYTES, "\uD800AAA"));
    const headers = errorContextHeaders({ ...jsonConversionFailure(), error });
    const trace = headers.find((h) => h.key === "__connect.errors.exception.stacktrace")!.value!;
    expect(new TextDecoder().decode(trace)).toContain(
      "\nCaused by: com.fasterxml.jackson.databind.exc.InvalidFormatException: Cannot access contents of TextNode as binary due to broken Base64 encoding: Illegal character '?' (code 0xd800) in base64 content",
    );
    expect(Buffer.from(trace).includes(Buffer.from([0xef, 0xbf, 0xbd]))).toBe(false);
  });
});
