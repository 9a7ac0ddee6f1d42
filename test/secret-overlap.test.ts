/**
 * Secrets inside one another on the real binary: a provider value held first (one connector's
 * topic) that is part of a longer one (another connector's file path, from a provider too) must not
 * cut the longer one into pieces left in clear in the log and the status trace.
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { startGateway } from "./support/gateway.ts";
import { kafkaBroker, saslWorker, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const TAIL = "Pa55-t4il-do-not-leak";

describe("secrets inside one another", () => {
  test("a path holding another connector's topic is hidden whole in the log and the trace", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const topic = uniqueTopic("overlap");
    mkdirSync(dir.file("secrets"));
    writeFileSync(dir.file("secrets/topic"), topic);
    writeFileSync(dir.file("secrets/out"), `/nonexistent-${topic}-${TAIL}/out.txt`);
    writeFileSync(dir.file("in.txt"), "line-1\n");
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        ...saslWorker(kafka, "gateway-secret"),
        "config.providers": "secrets",
        "config.providers.secrets.class": "io.edgegateway.config.provider.SecretFilesConfigProvider",
        "config.providers.secrets.param.dir": dir.file("secrets"),
        "data.dir": dir.file("data"),
      },
    });
    const source = uniqueTopic("src");
    const sink = uniqueTopic("snk");
    const created = await gw.rest.post("/connectors", {
      name: source,
      config: { "connector.class": "FileStreamSource", topic: "${secrets:topic}", file: dir.file("in.txt") },
    });
    expect(created.status).toBe(201);
    await waitFor(async () => (await gw.rest.get(`/connectors/${source}/status`)).body.tasks?.[0]?.state === "RUNNING");
    const failing = await gw.rest.post("/connectors", {
      name: sink,
      config: { "connector.class": "FileStreamSink", topics: topic, file: "${secrets:out}" },
    });
    expect(failing.status).toBe(201);
    const status = await waitFor(async () => {
      const s = await gw.rest.get(`/connectors/${sink}/status`);
      return s.body.tasks?.[0]?.state === "FAILED" ? s : undefined;
    });
    expect(status.body.tasks[0].trace).toContain("Couldn't find or create file '[hidden]'");
    await waitFor(() => gw.output().includes("Couldn't find or create file"));
    expect(gw.output()).toContain("Couldn't find or create file '[hidden]'");
    for (const text of [status.text, gw.output()]) expect(text).not.toContain(TAIL);
  });
});
