/**
 * JsonConverter's base64 reading (jacksonBase64, Jackson's TextNode.binaryValue()) against Bun's
 * Uint8Array.fromBase64 on the same text: plain base64 (the fast path) and the same bytes written
 * with a space between 4-character units (read unit by unit, as only Jackson allows). Prints µs per
 * decode, the best of several runs; a cost check of one function, not of the gateway.
 * Run: node_modules/.bin/bun bench/jackson-base64.ts
 */
import { jacksonBase64 } from "../src/converters/jackson-base64.ts";

const REPEATS = 7;

function best(decode: (text: string) => Uint8Array, text: string, rounds: number): number {
  for (let i = 0; i < rounds; i++) decode(text);
  let fastest = Number.POSITIVE_INFINITY;
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    for (let i = 0; i < rounds; i++) decode(text);
    fastest = Math.min(fastest, ((performance.now() - start) * 1000) / rounds);
  }
  return fastest;
}

const fromBase64 = (text: string) => Uint8Array.fromBase64(text, { lastChunkHandling: "loose" });
for (const size of [1024, 100 * 1024, 1024 * 1024]) {
  const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 131 + 7) & 0xff);
  const plain = bytes.toBase64();
  const spaced = plain.replace(/.{4}/g, "$& ");
  const rounds = Math.max(10, Math.round(20_000_000 / plain.length));
  const row = [
    best(fromBase64, plain, rounds),
    best(jacksonBase64, plain, rounds),
    best(jacksonBase64, spaced, rounds),
  ].map((us) => us.toFixed(2));
  console.log(`${size} bytes: fromBase64 ${row[0]} µs, jacksonBase64 ${row[1]} µs, spaced units ${row[2]} µs`);
}
