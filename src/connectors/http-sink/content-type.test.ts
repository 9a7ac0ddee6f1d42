import { describe, expect, test } from "bun:test";
import { StringConverter } from "../../converters/string-converter.ts";
import { contentTypeOf } from "./content-type.ts";

function stringConverter(encoding: string): StringConverter {
  const converter = new StringConverter();
  converter.configure({ "converter.encoding": encoding }, false);
  return converter;
}

const STRING = "org.apache.kafka.connect.storage.StringConverter";
const OCTETS = "application/octet-stream";

// Leftovers sinkp8 #1: a batch was application/json whatever the converter wrote (ISO-8859-1 text, binary numbers).
describe("contentTypeOf", () => {
  const cases: [label: string, cls: string, converter: unknown, single: string, batch: string][] = [
    ["JsonConverter", "org.apache.kafka.connect.json.JsonConverter", undefined, "application/json", "application/json"],
    ["StringConverter UTF-8", STRING, stringConverter("UTF-8"), "text/plain; charset=utf-8", "application/json"],
    // review81: US-ASCII text is UTF-8; `charset=us-ascii` on JSON made endpoints that take UTF-8 JSON alone
    // (Express's body-parser among them) refuse the batch with 415, where they took it before.
    [
      "StringConverter US-ASCII",
      STRING,
      stringConverter("US-ASCII"),
      "text/plain; charset=us-ascii",
      "application/json",
    ],
    [
      "StringConverter ISO-8859-1",
      STRING,
      stringConverter("ISO-8859-1"),
      "text/plain; charset=iso-8859-1",
      "application/json; charset=iso-8859-1",
    ],
    // review81: the UTF-16 rule had no case. Single-byte brackets and commas make such a batch no text in any charset.
    ["StringConverter UTF-16LE", STRING, stringConverter("UTF-16LE"), "text/plain; charset=utf-16le", OCTETS],
    ["StringConverter UTF-16", STRING, stringConverter("UTF-16"), "text/plain; charset=utf-16", OCTETS],
    [
      "ByteArrayConverter",
      "org.apache.kafka.connect.converters.ByteArrayConverter",
      undefined,
      OCTETS,
      "application/json",
    ],
    ["LongConverter", "org.apache.kafka.connect.converters.LongConverter", undefined, OCTETS, OCTETS],
    ["BooleanConverter", "org.apache.kafka.connect.converters.BooleanConverter", undefined, OCTETS, OCTETS],
  ];
  test.each(cases)("%s: the Content-Type of one value and of a batch of values", (_, cls, converter, single, batch) => {
    expect([contentTypeOf(cls, converter, false), contentTypeOf(cls, converter, true)]).toEqual([single, batch]);
  });
});
