/**
 * The REST Proxy topic ownership tests' setup: one topic accepted by two ingest connectors, "strict"
 * (JWT) and "open" (no authentication), on a gateway (the compiled binary when GATEWAY_BIN is set)
 * that a test can restart after breaking something the strict one needs.
 */
import { expect } from "bun:test";
import { exportSPKI, generateKeyPair } from "jose";
import { type Gateway, ingestUrlOf, startGateway } from "./gateway.ts";
import { createTopic, kafkaBroker, uniqueTopic } from "./kafka.ts";
import { type TempDir, tempDir } from "./temp-dir.ts";
import { waitFor } from "./wait-for.ts";

export interface StrictAndOpen extends AsyncDisposable {
  readonly topic: string;
  readonly dir: TempDir;
  /** The strict connector's JWT public key file. */
  readonly pem: string;
  /** The strict connector's config: JWT on /ingest/strict, writing the topic. */
  readonly strict: Record<string, string>;
  /** The open connector's config: no authentication on /ingest/open, writing the topic. */
  readonly open: Record<string, string>;
  readonly gw: Gateway;
  /** A REST Proxy v2 produce request for the topic. */
  v2(): Promise<Response>;
  /** POST to a connector's own path (/ingest/<name>). */
  post(name: "strict" | "open"): Promise<Response>;
  waitOpenServes(): Promise<unknown>;
  waitStrictState(state: string): Promise<unknown>;
  /** Stops the gateway (a clean exit) and starts it again on the same data. */
  restart(): Promise<void>;
}

export async function strictAndOpen(prefix: string, worker: Record<string, string> = {}): Promise<StrictAndOpen> {
  const kafka = await kafkaBroker();
  const dir = await tempDir(`${prefix}-`);
  const topic = uniqueTopic(prefix);
  await createTopic(topic);
  const { publicKey } = await generateKeyPair("ES256", { extractable: true });
  const pem = dir.file("issuer.pem");
  await Bun.write(pem, await exportSPKI(publicKey));
  const options = {
    dir: dir.path,
    worker: {
      "bootstrap.servers": kafka.bootstrap,
      "data.dir": dir.file("data"),
      "ingest.listeners": "http://127.0.0.1:0",
      ...worker,
    },
  };
  let gw = await startGateway(options);
  let ingest: string | undefined;
  const ingestUrl = async () => (ingest ??= await ingestUrlOf(gw));
  const post = async (name: string) => fetch(`${await ingestUrl()}/ingest/${name}`, { method: "POST", body: "{}" });
  const waitStrictState = (state: string) =>
    waitFor(async () => (await gw.rest.get("/connectors/strict/status")).body?.connector?.state === state, {
      what: `the strict connector ${state}`,
    });
  return {
    topic,
    dir,
    pem,
    strict: {
      "connector.class": "HttpIngestSource",
      "ingest.path": "/ingest/strict",
      "kafka.topic": topic,
      "ingest.auth.methods": "jwt",
      "ingest.auth.jwt.public.key.location": pem,
      "ingest.auth.jwt.algorithms": "ES256",
    },
    open: { "connector.class": "HttpIngestSource", "ingest.path": "/ingest/open", "kafka.topic": topic },
    get gw() {
      return gw;
    },
    v2: async () =>
      fetch(`${await ingestUrl()}/topics/${topic}`, {
        method: "POST",
        headers: { "Content-Type": "application/vnd.kafka.json.v2+json" },
        body: '{"records":[{"value":{"n":1}}]}',
      }),
    post,
    waitOpenServes: () =>
      waitFor(async () => (await post("open")).status === 200, { what: "the open connector's path" }),
    waitStrictState,
    async restart() {
      expect(await gw.stop()).toBe(0);
      gw = await startGateway(options);
      ingest = undefined;
    },
    async [Symbol.asyncDispose]() {
      if (gw.proc.exitCode === null) await gw.kill();
      await dir[Symbol.asyncDispose]();
    },
  };
}
