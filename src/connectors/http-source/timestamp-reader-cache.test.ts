import { expect, test } from "bun:test";
import { httpSourceConfig } from "./config.ts";
import type { OffsetValue } from "./offsets.ts";
import { instantReader, REMEMBERED_TEXT_LENGTH, remembered } from "./timestamp-reader.ts";

test("the timestamp reader remembers short texts only: a long text is read each time, not kept", () => {
  const seen: OffsetValue[] = [];
  const read = remembered((value) => {
    seen.push(value);
    return value === null ? null : BigInt(String(value).length);
  });
  const short = "2024-01-01T10:00:00Z";
  const long = `${"x".repeat(REMEMBERED_TEXT_LENGTH)}y`;
  const edge = "z".repeat(REMEMBERED_TEXT_LENGTH);
  for (let i = 0; i < 3; i++) {
    expect(read(short)).toBe(20n);
    expect(read(long)).toBe(BigInt(REMEMBERED_TEXT_LENGTH + 1));
    expect(read(edge)).toBe(BigInt(REMEMBERED_TEXT_LENGTH));
    expect(read(1704103200)).toBe(10n);
  }
  // The long text reached the reader each time (it was not kept); the others once.
  expect(seen).toEqual([short, long, edge, 1704103200, long, long]);
});

test("a long text is still read right, again and again", () => {
  const read = instantReader(
    httpSourceConfig.parse({
      "http.url": "http://127.0.0.1:1/e",
      "kafka.topic": "t",
      "http.response.record.timestamp.parser": "RegexTimestampParser",
      "http.response.record.timestamp.parser.regex": "at (\\S+ \\S+)",
      "http.response.record.timestamp.parser.pattern": "yyyy-MM-dd HH:mm",
    }),
  );
  const text = `${"a long note ".repeat(20)}at 2024-01-01 10:00`;
  for (let i = 0; i < 2; i++) expect(read(text)).toBe(1704103200000n * 1_000_000n);
});
