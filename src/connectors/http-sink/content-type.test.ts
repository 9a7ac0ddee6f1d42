import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { StringConverter } from "../../converters/string-converter.ts";
import { contentTypeOf } from "./content-type.ts";
import { endpoint, harness, record, stringConverters } from "./test-support.ts";

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
      "application/json",
    ],
    // review81: a batch re-encodes text in another charset in UTF-8 (JSON's), UTF-16 included.
    [
      "StringConverter UTF-16LE",
      STRING,
      stringConverter("UTF-16LE"),
      "text/plain; charset=utf-16le",
      "application/json",
    ],
    ["StringConverter UTF-16", STRING, stringConverter("UTF-16"), "text/plain; charset=utf-16", "application/json"],
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

// review81: a batch of ISO-8859-1 text went out as `application/json; charset=iso-8859-1`. RFC 8259 defines
// no charset for JSON (a compliant endpoint reads UTF-8 whatever it says: `caf\ufffd`), and endpoints that
// take UTF-8 JSON alone (Express's body-parser: 415 unless the charset starts with `utf-`) refused every
// batch, ASCII ones included, where they took it before. JSON is UTF-8: the values are re-encoded in it.
describe("A batch of text a StringConverter writes in another charset", () => {
  test.each(["ISO-8859-1", "UTF-16"])("%s: the batch is UTF-8 JSON, its text intact", async (encoding) => {
    await using server = endpoint();
    // As body-parser's json(): only a utf-* charset is JSON.
    server.answer((r) => {
      const charset = /charset=([^;]+)/.exec(r.headers["content-type"] ?? "")?.[1] ?? "utf-8";
      return new Response(null, { status: charset.startsWith("utf-") ? 200 : 415 });
    });
    const value = stringConverter(encoding);
    await using h = harness(
      { url: server.url("/batch"), "sink.flush-buffer.timeout": "0", "sink.batch.max-size": "2" },
      { converters: { ...stringConverters(), value } },
    );
    await h.task.put([record(0, 0, '"café"'), record(0, 1, '"thé"')]);
    await waitFor(() => server.received.length === 1 || h.errant.length > 0);
    expect(h.errant).toEqual([]);
    expect(server.received.map((r) => [r.headers["content-type"], r.body])).toEqual([
      ["application/json", '["café","thé"]'],
    ]);
    expect(server.values()).toEqual(["café", "thé"]);
  });
});
