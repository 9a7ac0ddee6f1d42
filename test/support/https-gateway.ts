/**
 * A gateway whose REST listener is https (`listeners=https://127.0.0.1:0`), with TLS material made
 * by makeTls in the test's directory: the server's key store as PEM or PKCS12 and, with
 * `clientAuth`, the test CA as trust store and `listeners.https.ssl.client.auth` (the readiness
 * probe then shows the client certificate when it is required). `httpsWorker` gives the same
 * worker.properties for spawnGateway (startup-failure tests).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Gateway, startGateway } from "./gateway.ts";
import { makeTls, type TlsFiles } from "./tls.ts";

export interface HttpsOptions {
  /** The server's key store: a PEM file with key and chain (default) or a PKCS12 store with its password. */
  readonly keyStore?: "PEM" | "PKCS12";
  /** Sets the CA as trust store and `listeners.https.ssl.client.auth` to this. */
  readonly clientAuth?: "required" | "requested";
  /** More worker keys (e.g. `listeners.https.ssl.enabled.protocols`), applied last. */
  readonly worker?: Readonly<Record<string, string>>;
}

/** The worker.properties of an https REST listener with `tls`'s material (data under `dir`/data). */
export function httpsWorker(
  dir: string,
  bootstrap: string,
  tls: TlsFiles,
  options: HttpsOptions = {},
): Record<string, string> {
  const store: Record<string, string> =
    options.keyStore === "PKCS12"
      ? {
          "listeners.https.ssl.keystore.location": tls.serverP12,
          "listeners.https.ssl.keystore.type": "PKCS12",
          "listeners.https.ssl.keystore.password": tls.password,
        }
      : { "listeners.https.ssl.keystore.location": tls.serverPem };
  const clientAuth: Record<string, string> = options.clientAuth
    ? {
        "listeners.https.ssl.truststore.location": tls.caCert,
        "listeners.https.ssl.client.auth": options.clientAuth,
      }
    : {};
  return {
    "bootstrap.servers": bootstrap,
    "data.dir": join(dir, "data"),
    listeners: "https://127.0.0.1:0",
    ...store,
    ...clientAuth,
    ...options.worker,
  };
}

/** The PEM texts a client needs: the CA to trust, and the client certificate and key. */
export interface ClientPem {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export interface HttpsGateway extends AsyncDisposable {
  readonly gw: Gateway;
  readonly tls: TlsFiles;
  readonly pem: ClientPem;
  /** `127.0.0.1:<port>` of the listener (for openssl s_client and raw sockets). */
  readonly hostPort: string;
}

/** Makes TLS material in `dir` and starts a gateway on an https listener; disposing it stops the gateway. */
export async function startHttpsGateway(
  dir: string,
  bootstrap: string,
  options: HttpsOptions = {},
): Promise<HttpsGateway> {
  const tls = await makeTls(dir);
  const pem: ClientPem = {
    ca: readFileSync(tls.caCert, "utf8"),
    cert: readFileSync(tls.clientCert, "utf8"),
    key: readFileSync(tls.clientKey, "utf8"),
  };
  const gw = await startGateway({
    dir,
    worker: httpsWorker(dir, bootstrap, tls, options),
    ...(options.clientAuth === "required" ? { probeTls: { cert: pem.cert, key: pem.key } } : {}),
  });
  return {
    gw,
    tls,
    pem,
    hostPort: gw.url.replace("https://", ""),
    [Symbol.asyncDispose]: () => gw[Symbol.asyncDispose](),
  };
}
