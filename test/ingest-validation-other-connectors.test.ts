/**
 * What an ingest connector's validation compares its ingest.path and REST Proxy topics with: the
 * other ingest connectors' values as serving has them (ingestp5). Before, each validation resolved
 * every other ingest connector's whole config again: a secrets file changed since a connector
 * started was read anew (the path it serves looked free, a second connector took it and failed to
 * open it), every file referenced anywhere was read (a WARN per path outside allowed.paths, per
 * validation), a provider that never answered (a FIFO) held the validation forever, and the
 * user's own literal value equal to another connector's provider value showed as [hidden].
 * Compiled binary when GATEWAY_BIN is set.
 */
import { expect, test } from "bun:test";
import { rm } from "node:fs/promises";
import { strictAndOpen } from "./support/strict-and-open.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const providers = (allowed?: string) => ({
  "config.providers": "file",
  "config.providers.file.class": "FileConfigProvider",
  ...(allowed === undefined ? {} : { "config.providers.file.param.allowed.paths": allowed }),
});

interface Validated {
  error_count: number;
  configs: { value: { name: string; value: string | null; errors: string[] } }[];
}

function entry(body: Validated, key: string) {
  return body.configs.find((c) => c.value.name === key)!.value;
}

test("validation compares with what a running connector serves, and shows the literal the user typed", async () => {
  await using s = await strictAndOpen("ingest-validate-running", providers());
  const { topic, gw } = s;
  const props = s.dir.file("route.properties");
  await Bun.write(props, `path=/ingest/served-a1\ntopics=${topic}-x\n`);
  const strict = {
    ...s.strict,
    "ingest.path": `\${file:${props}:path}`,
    "ingest.rest.proxy.topics": `\${file:${props}:topics}`,
  };
  expect((await gw.rest.put("/connectors/strict/config", strict)).status).toBe(201);
  await s.waitStrictState("RUNNING");
  // The secrets file changes; the strict connector serves what it started with until it restarts.
  await Bun.write(props, `path=/ingest/served-a2\ntopics=${topic}-y\n`);

  const validate = async (path: string, topics: string) =>
    (
      await gw.rest.put("/connector-plugins/HttpIngestSource/config/validate", {
        ...s.open,
        name: "open",
        "ingest.path": path,
        "ingest.rest.proxy.topics": topics,
      })
    ).body as Validated;
  const taken = await validate("/ingest/served-a1", `${topic}-x`);
  expect(taken.error_count).toBe(2);
  // The user's own literals, as typed (not [hidden] because strict's provider resolved the same).
  expect(entry(taken, "ingest.path")).toMatchObject({
    value: "/ingest/served-a1",
    errors: ["Invalid value /ingest/served-a1 for configuration ingest.path: already used by connector strict"],
  });
  expect(entry(taken, "ingest.rest.proxy.topics").value).toBe(`${topic}-x`);
  expect(entry(taken, "ingest.rest.proxy.topics").errors[0]).toStartWith(
    `Invalid value ${topic}-x for configuration ingest.rest.proxy.topics: connector strict names it too`,
  );
  expect((await validate("/ingest/served-a2", `${topic}-y`)).error_count).toBe(0);
  const clash = await gw.rest.put("/connectors/open/config", { ...s.open, "ingest.path": "/ingest/served-a1" });
  expect(clash.status).toBe(400);

  // Stopped, it serves nothing: its stored references are resolved now.
  expect((await gw.rest.put("/connectors/strict/stop", {})).status).toBe(204);
  await s.waitStrictState("STOPPED");
  expect((await validate("/ingest/served-a1", `${topic}-x`)).error_count).toBe(0);
  const stopped = await validate("/ingest/served-a2", `${topic}-y`);
  expect(stopped.error_count).toBe(2);
  // Resolved for this validation, the stopped connector's values equal the user's literals: shown as typed.
  expect(entry(stopped, "ingest.path")).toMatchObject({
    value: "/ingest/served-a2",
    errors: ["Invalid value /ingest/served-a2 for configuration ingest.path: already used by connector strict"],
  });
  expect(entry(stopped, "ingest.rest.proxy.topics").value).toBe(`${topic}-y`);
}, 120_000);

test("another connector's provider: only the compared keys resolved, and one that cannot be read (a FIFO) holds no validation", async () => {
  await using allowed = await tempDir("ingest-validate-allowed-");
  // allowed.paths: that directory only; strict also references a file outside it.
  await using s = await strictAndOpen("ingest-validate-bounded", providers(allowed.path));
  const props = allowed.file("route.properties");
  await Bun.write(props, "path=/ingest/bounded\n");
  const strict = {
    ...s.strict,
    "ingest.path": `\${file:${props}:path}`,
    "x.note": `\${file:${s.dir.file("note.properties")}:note}`,
  };
  expect((await s.gw.rest.put("/connectors/strict/config", strict)).status).toBe(201);
  await waitFor(async () => (await s.gw.rest.get("/connectors/strict/status")).body?.tasks?.[0]?.state === "RUNNING", {
    what: "the strict connector's task running",
  });
  const warnings = () => s.gw.output().split("is not allowed to be accessed").length - 1;
  const before = warnings();
  const validate = async () =>
    (await s.gw.rest.put("/connector-plugins/HttpIngestSource/config/validate", { ...s.open, name: "open" }))
      .body as Validated;
  for (let i = 0; i < 3; i++) expect((await validate()).error_count).toBe(0);
  expect(warnings()).toBe(before);

  // Stopped, its ingest.path file becomes a FIFO no one writes: the provider refuses it at once (a bounded read:
  // never a blocked thread), and the validation compares with the reference as stored. (A provider that does not
  // answer in time is other-connector-values.test.ts'.)
  expect((await s.gw.rest.put("/connectors/strict/stop", {})).status).toBe(204);
  await s.waitStrictState("STOPPED");
  await rm(props);
  expect(Bun.spawnSync(["mkfifo", props]).exitCode).toBe(0);
  for (let i = 0; i < 2; i++) expect((await validate()).error_count).toBe(0);
  expect(warnings()).toBe(before);
  expect(s.gw.output()).toContain(
    `Could not compare connector open's ingest.path with connector strict's: Could not resolve config provider 'file' at path '${props}' referenced by ingest.path: Could not read properties from file ${props}; compared with its references as stored, and checked again when strict starts`,
  );
  // A regular file again: the next validation resolves it and finds the clash.
  await rm(props);
  await Bun.write(props, "path=/ingest/open\n");
  await waitFor(async () => (await validate()).error_count === 1, { what: "the check made again" });
}, 120_000);

// diffhunt11 review P2-2: a connector whose connector.class is a config provider reference was compared with none,
// so a second connector on its ingest.path was accepted (201) and then FAILED.
test("a connector whose class is given by reference owns its ingest.path as one named literally", async () => {
  await using s = await strictAndOpen("ingest-validate-class-ref", providers());
  const props = s.dir.file("class.properties");
  await Bun.write(props, "cls=HttpIngestSource\n");
  const path = "/ingest/class-ref";
  const strict = { ...s.strict, "connector.class": `\${file:${props}:cls}`, "ingest.path": path };
  expect((await s.gw.rest.put("/connectors/strict/config", strict)).status).toBe(201);
  await s.waitStrictState("RUNNING");
  const clash = await s.gw.rest.put("/connectors/open/config", { ...s.open, "ingest.path": path });
  expect({ status: clash.status, message: clash.body?.message }).toEqual({
    status: 400,
    message: expect.stringContaining(
      `Invalid value ${path} for configuration ingest.path: already used by connector strict`,
    ),
  });
  // Stopped, it serves nothing: its class is resolved now, and the path is still its own.
  expect((await s.gw.rest.put("/connectors/strict/stop", {})).status).toBe(204);
  await s.waitStrictState("STOPPED");
  expect((await s.gw.rest.put("/connectors/open/config", { ...s.open, "ingest.path": path })).status).toBe(400);
}, 120_000);
