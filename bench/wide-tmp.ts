import { JsonText, materialized } from "../src/api/data/json-text.ts";
import type { Transformation } from "../src/api/transformation.ts";
import { JsonConverter } from "../src/converters/json-converter.ts";
import { transformationPlugins } from "../src/transforms/index.ts";
import { schemalessRecord } from "./support/schemaless-record.ts";
const wide = (i: number, fields: number) =>
  `{${Array.from({ length: fields }, (_, f) => `"f${f}":${(i + f) % 1000}`).join(",")}}`;
const mk = (cls: string, cfg: Record<string, string>) => { const t = transformationPlugins.find((p) => p.className === cls)!.create() as Transformation; t.configure(cfg); return t; };
const drop = mk("org.apache.kafka.connect.transforms.ReplaceField$Value", { exclude: Array.from({ length: 100 }, (_, f) => `f${f * 7}`).join(",") });
const cast = mk("org.apache.kafka.connect.transforms.Cast$Value", { spec: Array.from({ length: 100 }, (_, f) => `f${f * 7 + 1}:string`).join(",") });
const converter = new JsonConverter();
converter.configure({ "schemas.enable": "false" }, false);
const enc = new TextEncoder();
const payload = wide(1, 1000); const bytes = enc.encode(payload);
for (const [name, f] of [
  ["parse+convert", (r: any) => r],
  ["drop", (r: any) => drop.apply(r)],
  ["cast", (r: any) => cast.apply(r)],
  ["drop+cast", (r: any) => cast.apply(drop.apply(r)!)],
] as const) {
  const t = performance.now();
  for (let i = 0; i < 200; i++) { const out = f(schemalessRecord(materialized(new JsonText(payload, bytes)))); converter.fromConnectData("t", undefined, null, out!.value); }
  console.log(name, ((performance.now() - t) / 200).toFixed(3), "ms/record");
}
