/**
 * The README's https REST listener (Configuration, "HTTPS listeners"): the PEM key store made with
 * the command it quotes (`cat server.key server.crt ca.crt > keystore.pem`, run through bash in the
 * directory holding the user's key, certificate and CA), and the worker keys it names
 * (`listeners=https://0.0.0.0:8443` with `listeners.https.ssl.keystore.location`). The gateway (the
 * compiled binary under GATEWAY_BIN) must serve the REST API over TLS with that chain: a client that
 * trusts only the CA gets 200 from /health and /connectors.
 *
 * Substitutions, the only ones a shared test machine needs: `https://0.0.0.0:8443` →
 * `https://127.0.0.1:0`; the key store location is the scratch directory's `keystore.pem`. The
 * user's files are made with openssl (test/support/tls.ts): a CA and a server certificate for
 * 127.0.0.1 that it signs. Worker keys the README leaves out are the test's: bootstrap.servers,
 * data.dir.
 */
import { describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { startGateway } from "./support/gateway.ts";
import { kafkaBroker } from "./support/kafka.ts";
import { readmeText, runReadmeCommand, substitute } from "./support/readme.ts";
import { tempDir } from "./support/temp-dir.ts";
import { makeTls } from "./support/tls.ts";

describe("README: an https REST listener with a PEM key store", () => {
  test("the cat command's keystore.pem and the listener keys work as written", async () => {
    const text = readmeText().replace(/\s+/g, " ");
    const said =
      /\*\*HTTPS listeners\.\*\* `(listeners=[^`]+)` with `(listeners\.https\.ssl\.keystore\.location)` \(PEM with key and chain, e\.g\. `([^`]+)`/.exec(
        text,
      );
    expect(said?.slice(1)).toEqual([
      "listeners=https://0.0.0.0:8443",
      "listeners.https.ssl.keystore.location",
      "cat server.key server.crt ca.crt > keystore.pem",
    ]);
    await using dir = await tempDir("readme-https-listener-");
    mkdirSync(dir.file("openssl"));
    const tls = await makeTls(dir.file("openssl"));
    // The user's files, named as in the command.
    copyFileSync(tls.serverKey, dir.file("server.key"));
    copyFileSync(tls.serverCert, dir.file("server.crt"));
    copyFileSync(tls.caCert, dir.file("ca.crt"));
    const made = await runReadmeCommand(said![3]!, { cwd: dir.path, curlHome: dir.path });
    expect({ code: made.code, stderr: made.stderr }).toEqual({ code: 0, stderr: "" });

    const [key, value] = substitute(said![1]!, [["https://0.0.0.0:8443", "https://127.0.0.1:0"]]).split("=");
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        [key!]: value!,
        [said![2]!]: dir.file("keystore.pem"),
        "bootstrap.servers": (await kafkaBroker()).bootstrap,
        "data.dir": dir.file("data"),
      },
    });
    expect(gw.url).toStartWith("https://127.0.0.1:");
    const ca = readFileSync(dir.file("ca.crt"), "utf8");
    for (const path of ["/health", "/connectors"]) {
      const answer = await fetch(`${gw.url}${path}`, { tls: { ca } });
      expect({ path, status: answer.status }).toEqual({ path, status: 200 });
    }
  }, 60_000);
});
