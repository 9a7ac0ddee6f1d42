/**
 * Values.parseString, Values.convertToString, SimpleHeaderConverter.toConnectHeader and
 * Values.convertToLong (its DataException with the whole chain of causes: every NumberFormatException
 * of `new BigDecimal(text)`, for each input of the number-error category) against Apache Kafka 4.3.1
 * on Java 25 on recorded header bytes: test/fixtures/java-values/fixtures.json holds a few
 * hundred inputs of the seeded differential fuzz (generate.sh runs all 20,000), among them every
 * kind that once differed: Unicode white space around a number (Java's BigDecimal does not trim),
 * exponents near ±2^31 (1e2147483647 is a Decimal, 1e-2147483648 and eleven exponent digits a
 * string), Unicode digits in numbers and dates (١٢٣ is 123, ٢٠٢٤-٠١-٠١ a Date), the Floats and
 * Doubles of an array or map without a common schema (`[0.1,true]` prints 0.1, `[1e300,"a"]`
 * 1.0E300), a float rounded once from the decimal (1.0000000596046447753906251 is 1.0000001, not
 * 1.0 by way of a double), equal keys in a map (`{"2024-01-01":1,"2024-01-01":2}` has one entry), and
 * a date whose year field is before 1582 rolled past the cutover (1575-99-09 is read as Julian).
 *
 * Left different, and so not recorded: nesting deep enough to overflow Java's stack (how deep
 * depends on the thread's stack size); the whole numbers of a nested array or map whose schema
 * lost to another element's (`[[1],[0.5]]`: Connect keeps the Byte 1 under ARRAY<FLOAT32> and
 * prints 1, we print 1.0); a -0.0 map key (a JavaScript Map holds it as 0); dates beyond
 * JavaScript's ±8.64e15 ms (an INT32 day count near ±2^31 aligned to a Date).
 */
import { describe, expect, test } from "bun:test";
import { ourAnswers } from "../../../test/fixtures/java-values/canonical.ts";
import type { RecordedCase } from "../../../test/fixtures/java-values/compare.ts";

const cases = (await Bun.file(
  new URL("../../../test/fixtures/java-values/fixtures.json", import.meta.url),
).json()) as RecordedCase[];

const utf8 = new TextEncoder();

describe("Values and SimpleHeaderConverter against Apache Kafka on fuzzed header bytes", () => {
  test.each(cases.map((c, i) => [`${i} ${c.category} ${JSON.stringify(c.in ?? c.bytes).slice(0, 80)}`, c] as const))(
    "%s",
    (_name, c) => {
      const bytes = c.in === undefined ? Uint8Array.fromBase64(c.bytes!) : utf8.encode(c.in);
      expect(ourAnswers(bytes)).toEqual({ parse: c.parse, text: c.text, header: c.header, long: c.long });
    },
  );
});
