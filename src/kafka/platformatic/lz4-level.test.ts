/**
 * `compression.lz4.level` is checked as Java's producer checks it but the bundled LZ4 encoder has
 * one level: a producer given it with `compression.type=lz4` says so in a WARN line (it was silent).
 */
import { expect, test } from "bun:test";
import { kafkaBroker } from "../../../test/support/kafka.ts";
import { LogManager } from "../../util/logger.ts";
import { PlatformaticPort } from "./adapter.ts";

test("a producer given compression.lz4.level with lz4 warns that the level is ignored; other codecs do not", async () => {
  const lines: string[] = [];
  const port = new PlatformaticPort(new LogManager({ sink: (line) => void lines.push(line) }));
  const { bootstrap } = await kafkaBroker();
  const lz4 = await port.producer({
    "bootstrap.servers": bootstrap,
    "compression.type": "lz4",
    "compression.lz4.level": "12",
  });
  await lz4.close();
  const gzip = await port.producer({
    "bootstrap.servers": bootstrap,
    "compression.type": "gzip",
    "compression.lz4.level": "12",
  });
  await gzip.close();
  const warnings = lines.filter((l) => l.includes(" WARN ") && l.includes("compression.lz4.level"));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain(
    "compression.lz4.level=12 is ignored: the LZ4 encoder of kafka.client=platformatic has one level",
  );
});
