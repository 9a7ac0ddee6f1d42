/**
 * Shared by the tests of what a CRL or trust store reload does to open connections
 * (tls-front-end-reload-refused.test.ts, tls-front-end-reload-same-name.test.ts): a front end
 * reading trust.pem and crl.pem from a test directory, and a scenario that opens a device's
 * connection, rewrites both files, reloads, then asks whether the connection still answers and
 * whether a new handshake of the device is accepted. Tests only.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { type CertAuthority, opensslCa } from "../../../test/support/cert-authority.ts";
import type { TempDir } from "../../../test/support/temp-dir.ts";
import { type TlsClient, tlsClient } from "../../../test/support/tls-client.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { loadIngestTls } from "./ingest-tls-config.ts";
import { startTlsFrontEnd } from "./tls-front-end.ts";

export interface Material {
  readonly trust: string;
  readonly crl: string;
}

/** `hours` from now as openssl's -crl_lastupdate/-crl_nextupdate write it (YYYYMMDDHHMMSSZ). */
export const stamp = (hours: number) =>
  new Date(Date.now() + hours * 3_600_000)
    .toISOString()
    .replace(/[-:T]/g, "")
    .replace(/\.\d+Z$/, "Z");

export const closed = (reason: string) =>
  ({ reloaded: true, openConnection: "closed", newHandshake: "refused", failures: { [reason]: 1 } }) as const;
export const kept = { reloaded: true, openConnection: "answered", newHandshake: "accepted", failures: {} } as const;

const answers = (client: TlsClient) => (client.text().match(/cn=/g) ?? []).length;

/** Sends a request on `client`: "answered", or "closed" when the connection closes first. */
async function ask(client: TlsClient): Promise<"answered" | "closed"> {
  const before = answers(client);
  client.socket.write("GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
  const answered = waitFor(() => answers(client) > before, { what: "an answer" }).then(() => "answered" as const);
  return Promise.race([answered, client.closed.then(() => "closed" as const)]);
}

/**
 * The helpers bound to the test's directory (`dirOf`, read once beforeAll made it): the server's
 * material is server-store.pem, trusted by clients through root.pem.
 */
export function reloadScenarios(dirOf: () => TempDir) {
  const read = (name: string) => readFileSync(dirOf().file(name), "utf8");

  /** A CRL of `authority` issued `hoursAgo` (several CRLs of one CA are told apart by their thisUpdate), current for a day. */
  const gencrl = (authority: CertAuthority, out: string, hoursAgo: number, ...more: string[]) =>
    opensslCa(
      dirOf().path,
      authority,
      "-gencrl",
      "-crl_lastupdate",
      stamp(-hoursAgo),
      "-crl_nextupdate",
      stamp(24),
      ...more,
      "-out",
      out,
    );

  /** A front end reading trust.pem and crl.pem (the test rewrites them), reloading when asked. */
  function frontEnd() {
    const dir = dirOf();
    const props = {
      "ingest.listeners.https.ssl.keystore.location": dir.file("server-store.pem"),
      "ingest.listeners.https.ssl.truststore.location": dir.file("trust.pem"),
      "ingest.listeners.https.ssl.client.auth": "required",
      "ingest.listeners.https.ssl.reload.interval.ms": "0",
      "ingest.listeners.https.ssl.crl.location": dir.file("crl.pem"),
    };
    const fe = startTlsFrontEnd({
      host: "127.0.0.1",
      port: 0,
      handler: (_request, connection) => new Response(`cn=${connection.peerCertificate?.subject.CN};`),
      load: () => loadIngestTls(props),
    });
    return Object.assign(fe, { [Symbol.asyncDispose]: () => fe.stop() });
  }

  /** Connects `device` (its key `<device>.key`, its chain `chain`); TLS 1.3 refuses a client certificate after the handshake, so a request tells. */
  async function connectDevice(port: number, device: string, chain: string): Promise<TlsClient | undefined> {
    const client = await tlsClient(port, dirOf().file("root.pem"), {
      cert: dirOf().file(chain),
      key: dirOf().file(`${device}.key`),
    }).catch(() => undefined);
    if (!client) return undefined;
    if ((await ask(client)) === "answered") return client;
    client.socket.destroy();
    return undefined;
  }

  /**
   * Opens `device`'s connection under `before`, rewrites the files to `after` and reloads: whether
   * the open connection still answers, whether a new handshake is accepted, the reload's result and
   * the handshake failures counted.
   */
  async function scenario(device: string, chain: string, before: Material, after: Material) {
    writeFileSync(dirOf().file("trust.pem"), before.trust);
    writeFileSync(dirOf().file("crl.pem"), before.crl);
    await using fe = frontEnd();
    const open = await connectDevice(fe.port, device, chain);
    if (!open) throw new Error(`${device} was refused under the material before the reload`);
    using _ = open;
    writeFileSync(dirOf().file("trust.pem"), after.trust);
    writeFileSync(dirOf().file("crl.pem"), after.crl);
    const reloaded = fe.reloadIfChanged();
    const openConnection = await ask(open);
    const fresh = await connectDevice(fe.port, device, chain);
    fresh?.socket.destroy();
    return {
      reloaded,
      openConnection,
      newHandshake: fresh ? "accepted" : "refused",
      failures: Object.fromEntries(fe.handshakeFailures),
    };
  }

  return { read, gencrl, scenario };
}
