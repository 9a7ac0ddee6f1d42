/**
 * Shared by the TLS front end's tests (tls-front-end.test.ts, tls-front-end-reload.test.ts): an app
 * that echoes the verified peer, a front end serving it with a test PKI's material, and curl as the
 * device. Tests only.
 */
import { Hono } from "hono";
import type { DeviceCert, DevicePki } from "../../../test/support/device-pki.ts";
import { mtlsIdentity } from "../auth/mtls-identity.ts";
import { readBody } from "../body-reader.ts";
import type { IngestConnection } from "../request-context.ts";
import { loadIngestTls } from "./ingest-tls-config.ts";
import { startTlsFrontEnd, type TlsFrontEnd, type TlsFrontEndOptions } from "./tls-front-end.ts";

/** The app the front end serves: echoes the verified peer's CN and the request body. */
export function echoApp(): Hono<{ Bindings: { connection: IngestConnection } }> {
  const app = new Hono<{ Bindings: { connection: IngestConnection } }>();
  app.post("/refuse", async (c) => {
    // Reads at most one chunk (none with ?unread), then refuses the rest, as the 413 path does.
    // With ?later the handler first yields to the event loop, as the ingest handler's checks do.
    if (c.req.query("later") !== undefined) await new Promise((resolve) => setImmediate(resolve));
    const reader = c.req.raw.body!.getReader();
    if (c.req.query("unread") === undefined) await reader.read();
    await reader.cancel();
    return c.json({ error_code: 413, message: "too large" }, 413);
  });
  app.post("/too-large", async (c) => {
    // As the ingest handler does: refused from its Content-Length, nothing read, the connection closed.
    try {
      await readBody(c.req.raw, 1_048_576);
      return c.json({ error_code: 200, message: "read" });
    } catch {
      return c.json({ error_code: 413, message: "too large" }, 413, { Connection: "close" });
    }
  });
  app.all("*", async (c) => {
    const peer = c.env.connection.peerCertificate;
    return c.json({
      cn: peer?.subject.CN ?? null,
      identity: peer ? mtlsIdentity(peer, "cn")?.principal : null,
      method: c.req.method,
      path: c.req.path,
      body: c.req.method === "POST" ? await c.req.text() : null,
    });
  });
  return app;
}

export interface CurlResult {
  code: number;
  body: string;
  stderr: string;
}

export async function curl(url: string, pki: DevicePki, client?: DeviceCert, ...extra: string[]): Promise<CurlResult> {
  const args = ["curl", "-sS", "--max-time", "10", "--cacert", pki.caCert, ...extra];
  if (client) args.push("--cert", client.cert, "--key", client.key);
  const proc = Bun.spawn([...args, url], { stdout: "pipe", stderr: "pipe" });
  const [code, body, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { code, body, stderr };
}

/** The ingest listener's TLS settings for `pki`: client certificates required, its CRL, no reload timer. */
export function ingestTlsSettings(pki: DevicePki, extra: Record<string, string> = {}): Record<string, string> {
  return {
    "ingest.listeners.https.ssl.keystore.location": pki.serverPem,
    "ingest.listeners.https.ssl.truststore.location": pki.caCert,
    "ingest.listeners.https.ssl.client.auth": "required",
    "ingest.listeners.https.ssl.crl.location": pki.crl,
    "ingest.listeners.https.ssl.reload.interval.ms": "0",
    ...extra,
  };
}

/** A front end serving `echoApp` with `pki`'s server certificate (its key store written anew). */
export async function echoFrontEnd(
  pki: DevicePki,
  extra: Record<string, string> = {},
  options: Pick<TlsFrontEndOptions, "reloadCheckBudgetMs"> = {},
): Promise<TlsFrontEnd & AsyncDisposable> {
  const store = pki.serverPem;
  await Bun.write(store, (await Bun.file(pki.serverKey).text()) + (await Bun.file(pki.serverCert).text()));
  const props = ingestTlsSettings(pki, extra);
  const app = echoApp();
  const fe = startTlsFrontEnd({
    host: "127.0.0.1",
    port: 0,
    handler: (request, connection) => app.fetch(request, { connection }),
    load: () => loadIngestTls(props),
    ...options,
  });
  return Object.assign(fe, { [Symbol.asyncDispose]: () => fe.stop() });
}
