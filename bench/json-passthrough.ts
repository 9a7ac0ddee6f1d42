/**
 * JsonConverter (schemas.enable=false) on a typical device payload, in process: the value as the
 * ingest path handed it over before JsonText (JSON.parse'd, then converted) against a JsonText of
 * the element's text (written as received). Both sides include the request-path JSON.parse the
 * ingest still does to validate the body. Prints MB/s of payload text; a quick ratio, not a
 * benchmark of the gateway. Run: node_modules/.bin/bun bench/json-passthrough.ts
 */
import { JsonText } from "../src/api/data/json-text.ts";
import { JsonConverter } from "../src/converters/json-converter.ts";
import { deviceReading } from "./support/schemaless-record.ts";

const payload = JSON.stringify(deviceReading);
const converter = new JsonConverter();
converter.configure({ "schemas.enable": "false" }, false);
const ROUNDS = 200_000;

function run(name: string, once: () => Uint8Array | null): number {
  for (let i = 0; i < 20_000; i++) once();
  const start = performance.now();
  let bytes = 0;
  for (let i = 0; i < ROUNDS; i++) bytes += once()!.length;
  const seconds = (performance.now() - start) / 1000;
  const mbps = (ROUNDS * payload.length) / seconds / 1e6;
  console.log(
    `${name}: ${mbps.toFixed(1)} MB/s, ${(ROUNDS / seconds / 1000).toFixed(0)}k records/s (${bytes} bytes out)`,
  );
  return mbps;
}

const before = run("parsed value → JsonConverter", () =>
  converter.fromConnectData("t", undefined, null, JSON.parse(payload)),
);
const after = run("JsonText → JsonConverter", () => {
  JSON.parse(payload);
  return converter.fromConnectData("t", undefined, null, new JsonText(payload));
});
console.log(`payload ${payload.length} B; ratio ${(after / before).toFixed(2)}x`);
