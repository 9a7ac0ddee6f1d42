import { expect, test } from "bun:test";
import { readJsonText } from "./json-reader.ts";

test.each([false, true])("a long integer where a key must stand is not JSON (exact: %p)", (exact) => {
  for (const text of [
    '{"a":1, 12345678901234567890:2}',
    "{12345678901234567890 \n:2}",
    '[{"a":{99999999999999999999:1}}]',
  ])
    expect(() => readJsonText(text, exact)).toThrow(SyntaxError);
  expect(readJsonText('{"a":12345678901234567890 }', exact)).toEqual({ a: 12345678901234567890n });
});
