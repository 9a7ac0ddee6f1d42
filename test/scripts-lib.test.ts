/**
 * scripts/lib.sh's `prop`, which scripts/run uses to see whether the worker file names
 * bootstrap.servers (else it starts a local broker and points the gateway at it through
 * CONNECT_BOOTSTRAP_SERVERS, which wins over the file) and where data.dir is. It must read a key as
 * Java's Properties.load does: `key=value`, `key: value` and `key value` alike, the last one
 * winning, never a comment or a longer key. `bootstrap.servers broker:9092` used to be missed, so
 * scripts/run started a local broker and the gateway silently used it instead of the file's.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { REPO } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";

async function prop(key: string, file: string): Promise<string> {
  const proc = Bun.spawn(["bash", "-c", 'source "$0/scripts/lib.sh"; prop "$1" "$2"', REPO, key, file], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  expect({ code, err }).toEqual({ code: 0, err: "" });
  return out.replace(/\n$/, "");
}

describe("scripts/lib.sh prop", () => {
  test("reads a key with any of Java's separators, the last one winning", async () => {
    await using dir = await tempDir("scripts-lib-");
    const file = join(dir.path, "worker.properties");
    await Bun.write(
      file,
      [
        "# bootstrap.servers=commented:1",
        "! data.dir=/commented",
        "bootstrapXservers=other:1",
        "bootstrap.servers.extra=other:2",
        "bootstrap.servers   broker-a:9092",
        "data.dir:/var/lib/gw",
        "  log.level = DEBUG",
        "log.format\tjson",
        "listeners=http://127.0.0.1:1",
        "listeners=http://127.0.0.1:8083",
      ].join("\n"),
    );
    expect(await prop("bootstrap.servers", file)).toBe("broker-a:9092");
    expect(await prop("data.dir", file)).toBe("/var/lib/gw");
    expect(await prop("log.level", file)).toBe("DEBUG");
    expect(await prop("log.format", file)).toBe("json");
    expect(await prop("listeners", file)).toBe("http://127.0.0.1:8083");
    expect(await prop("offset.flush.interval.ms", file)).toBe("");
    expect(await prop("data.dir", join(dir.path, "missing.properties"))).toBe("");
  });
});
