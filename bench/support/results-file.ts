/**
 * Raw benchmark results as a JSON file under bench/results/ (gitignored), written by every bench
 * script. The file is formatted with the repository's Biome afterwards: bench/ is inside Biome's
 * `files.includes`, so `biome ci .` (part of the test suite) would otherwise flag the
 * JSON.stringify layout of fresh results.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dir, "..", "..");

/** Writes `data` to `<dir>/<name>-<timestamp>.json` and returns the path. */
export function writeResultsFile(dir: string, name: string, timestamp: string, data: unknown): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${timestamp.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  const biome = join(REPO, "node_modules", ".bin", "biome");
  // Outside the repository Biome ignores the file; its exit status does not matter either way.
  if (existsSync(biome)) spawnSync(biome, ["format", "--write", file], { cwd: REPO, stdio: "ignore" });
  return file;
}
