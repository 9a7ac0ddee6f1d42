/**
 * kafkajs' record encoder and decoder as scripts/patch-dependencies.mjs patches them (points 6, 8, 9
 * and 10 of its header): headers in their order, null values as Java writes them, names like
 * Object.prototype's members as any other, and no headers object built for a record without any.
 * These fail when an install ran without the patches.
 */
import { expect, spyOn, test } from "bun:test";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const encode = require("kafkajs/src/protocol/recordBatch/record/v0/index.js") as (record: unknown) => {
  buffer: Buffer;
};
const Decoder = require("kafkajs/src/protocol/decoder.js") as new (buffer: Buffer) => { readVarIntBytes(): Buffer };

// Review 2026-12-02: the record decoder tested `obj[key] === undefined` on an object literal, so a
// header named __proto__ arrived as [Object.prototype, value] (constructor as [Object, value]).
test("kafkajs' record decoder reads headers named like Object.prototype's members as any other", () => {
  const decode = require("kafkajs/src/protocol/recordBatch/record/v0/decoder.js") as (
    decoder: unknown,
    context: unknown,
  ) => { headers: Record<string, unknown> };
  // The encoder takes an object; one without a prototype holds a __proto__ entry as its own.
  const headers = Object.assign(Object.create(null), {
    ["__proto__"]: Buffer.from("p"),
    constructor: [Buffer.from("c1"), Buffer.from("c2")],
    plain: Buffer.from("x"),
  });
  const body = new Decoder(encode({ key: null, value: Buffer.from("v"), headers }).buffer).readVarIntBytes();
  const record = decode(new Decoder(body), { firstOffset: "0", firstTimestamp: "0", magicByte: 2 });
  expect(Object.entries(record.headers)).toEqual([
    ["__proto__", Buffer.from("p")],
    ["constructor", [Buffer.from("c1"), Buffer.from("c2")]],
    ["plain", Buffer.from("x")],
  ]);
  expect(Object.getPrototypeOf(record.headers)).toBe(Object.prototype);
});

// kafkap7 (2026-12-03): kafkajs gathered headers by name both ways, so `a, b, a` came back as `a, a, b`.
test("kafkajs' record encoder writes a list of headers in its order, and its decoder keeps the list it read", () => {
  const decode = require("kafkajs/src/protocol/recordBatch/record/v0/decoder.js") as (
    decoder: unknown,
    context: unknown,
  ) => { headers: Record<string, unknown>; headerList: { key: string; value: Buffer | null }[] };
  const headers = [
    { key: "a", value: Buffer.from("1") },
    { key: "b", value: null },
    { key: "a", value: Buffer.from("2") },
  ];
  const body = new Decoder(encode({ key: null, value: null, headers }).buffer).readVarIntBytes();
  const record = decode(new Decoder(body), { firstOffset: "0", firstTimestamp: "0", magicByte: 2 });
  expect(record.headerList).toEqual(headers);
  expect(record.headers).toEqual({ a: [Buffer.from("1"), Buffer.from("2")], b: null });
});

// kafkap7 (2026-12-03): the record encoder sized a header value with Buffer.byteLength before testing it
// for null (a TypeError), so the adapter sent a null value (the DLQ's exception.message) as empty bytes.
test("kafkajs' record encoder writes a null header value as Java's producer does (length -1)", () => {
  const body = new Decoder(encode({ key: null, value: null, headers: { n: null } }).buffer).readVarIntBytes();
  // attributes, timestamp delta 0, offset delta 0, key -1, value -1, one header: key "n", value -1 (zigzag varints).
  expect([...body]).toEqual([0, 0, 0, 1, 1, 2, 2, "n".charCodeAt(0), 1]);
});

// opsp3: every record without headers built kafkajs' default headers object ({}), its key list and
// two arrays on the produce path, to write a count of 0.
test("kafkajs' record encoder writes a record without headers as before (count 0), building no headers object", () => {
  const keys = spyOn(Object, "keys");
  let body: Buffer;
  try {
    body = new Decoder(encode({ key: null, value: Buffer.from("v") }).buffer).readVarIntBytes();
    expect(keys).not.toHaveBeenCalled();
  } finally {
    keys.mockRestore();
  }
  // attributes, timestamp delta 0, offset delta 0, key -1, value "v", no header (zigzag varints).
  expect([...body]).toEqual([0, 0, 0, 1, 2, "v".charCodeAt(0), 0]);
  for (const headers of [{}, []])
    expect(new Decoder(encode({ key: null, value: Buffer.from("v"), headers }).buffer).readVarIntBytes()).toEqual(body);
});
