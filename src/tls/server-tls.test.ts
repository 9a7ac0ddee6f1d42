import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect, createServer } from "node:tls";
import { tempDir } from "../../test/support/temp-dir.ts";
import { makeTls } from "../../test/support/tls.ts";
import { ConfigError } from "../errors.ts";
import { bunServeTls, nodeTlsServerOptions, serverTls } from "./server-tls.ts";

const P = "ingest.listeners.https.";

/** The protocol a node:tls client limited to `maxVersion` negotiates, or the error it gets. */
function handshake(port: number, ca: string, maxVersion: "TLSv1.2" | "TLSv1.3"): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, ca, servername: "localhost", maxVersion }, () => {
      resolve(socket.getProtocol() ?? "none");
      socket.end();
    });
    socket.on("error", (error) => resolve(`error: ${error.message}`));
  });
}

describe("serverTls", () => {
  test("node:tls servers honour the protocol settings under any prefix", async () => {
    await using dir = await tempDir();
    const files = await makeTls(dir.path);
    const tls = serverTls(
      { [`${P}ssl.keystore.location`]: files.serverPem, [`${P}ssl.enabled.protocols`]: "TLSv1.3" },
      P,
      "https://127.0.0.1:0",
    );
    const server = createServer(nodeTlsServerOptions(tls), (socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const ca = readFileSync(files.caCert, "utf8");
      expect(await handshake(port, ca, "TLSv1.3")).toBe("TLSv1.3");
      expect(await handshake(port, ca, "TLSv1.2")).toStartWith("error:");
    } finally {
      server.close();
    }
  });

  // review25: a Java server's SSLContext (Jetty's setProtocol) does not limit what it accepts.
  test("ssl.protocol=TLSv1.2 leaves a listener's TLS 1.3 on, as a Java server's SSLContext", async () => {
    await using dir = await tempDir();
    const files = await makeTls(dir.path);
    const tls = serverTls(
      { [`${P}ssl.keystore.location`]: files.serverPem, [`${P}ssl.protocol`]: "TLSv1.2" },
      P,
      "https://127.0.0.1:0",
    );
    expect(tls.protocols.maxVersion).toBe("TLSv1.3");
  });

  test("client.auth=required without a trust store names the trust store key", async () => {
    await using dir = await tempDir();
    const files = await makeTls(dir.path);
    let error: unknown;
    try {
      serverTls(
        { [`${P}ssl.keystore.location`]: files.serverPem, [`${P}ssl.client.auth`]: "required" },
        P,
        "https://0.0.0.0:8443",
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect([...(error as ConfigError).errors.keys()]).toEqual([`${P}ssl.truststore.location`]);
  });

  test("requested asks for a certificate without requiring one; defaults keep forward-secret AEAD suites", async () => {
    await using dir = await tempDir();
    const files = await makeTls(dir.path);
    const tls = serverTls(
      {
        [`${P}ssl.keystore.location`]: files.serverPem,
        [`${P}ssl.truststore.location`]: files.caCert,
        [`${P}ssl.client.auth`]: "requested",
      },
      P,
      "https://127.0.0.1:0",
    );
    expect(bunServeTls(tls)).toMatchObject({
      requestCert: true,
      rejectUnauthorized: false,
      secureOptions: 0,
      ciphers: expect.stringMatching(/^ECDHE-/),
    });
  });

  // explore4 J6: the key stores refuse a key that is not their certificate's (key-stores.ts), the listeners' too.
  test("a listener's key store whose key is not its certificate's stops startup naming the key", async () => {
    await using dir = await tempDir();
    const files = await makeTls(dir.path);
    const props = {
      [`${P}ssl.keystore.certificate.chain`]: readFileSync(files.serverCert, "utf8"),
      [`${P}ssl.keystore.key`]: readFileSync(files.clientKey, "utf8"),
    };
    expect(() => serverTls(props, P, "https://127.0.0.1:0")).toThrow(
      new ConfigError(
        `Invalid value for configuration ${P}ssl.keystore.key: the private key is not the key of the first certificate in ${P}ssl.keystore.certificate.chain`,
      ),
    );
  });
});
