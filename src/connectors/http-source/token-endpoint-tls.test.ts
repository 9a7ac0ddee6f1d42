import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { getCACertificates } from "node:tls";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import { makeCaSignedCert, makeRsaCert, makeTls, type TlsFiles } from "../../../test/support/tls.ts";
import { ConnectError, traceOf } from "../../errors.ts";
import { tokenEndpointTls } from "../../http/token-endpoint-tls.ts";
import { parseHttpSourceConfig, tlsMaterialOf } from "./config-rules.ts";
import { startTask } from "./test-support.ts";

/**
 * The OAuth2 token request's TLS (src/http/token-endpoint-tls.ts): always verified, against the
 * system trust store plus http.ssl.truststore. http.ssl.verification.enabled=false is the API's
 * only: the client secret never goes to a token endpoint nobody verified.
 */
let dir: TempDir;
let tls: TlsFiles;

beforeAll(async () => {
  dir = await tempDir("http-source-token-tls-");
  tls = await makeTls(dir.path);
  await makeRsaCert(dir.path, "self", "127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1");
  // Signed by the trusted CA, but for another host than the endpoint's 127.0.0.1.
  await makeCaSignedCert(dir.path, "other", "other.example", "DNS:other.example");
});

afterAll(async () => {
  await dir[Symbol.asyncDispose]();
});

/** An https server on 127.0.0.1, port 0, with `name`.pem / `name`.key, recording what reached it. */
function https(name: string, answer: () => Response) {
  const seen: { authorization: string | null; body: string }[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    tls: { cert: Bun.file(dir.file(`${name}.pem`)), key: Bun.file(dir.file(`${name}.key`)) },
    fetch: async (req) => {
      seen.push({ authorization: req.headers.get("authorization"), body: await req.text() });
      return answer();
    },
  });
  return { seen, url: `https://127.0.0.1:${server.port}`, [Symbol.dispose]: () => void server.stop(true) };
}

const tokenAnswer = () => Response.json({ access_token: "tls-token", expires_in: 3600 });
const pageAnswer = () => Response.json([{ id: 1 }]);

function oauth2(api: string, token: string, more: Record<string, string>) {
  return {
    "http.url": `${api}/events`,
    "http.response.records.path": "$[*]",
    "http.auth.type": "OAUTH2",
    "http.oauth2.token.url": `${token}/token`,
    "http.oauth2.client.id": "client-1",
    "http.oauth2.client.secret": "client-secret-41",
    "http.oauth2.client.auth.mode": "body",
    "http.retry.max.attempts": "2",
    "http.retry.backoff.ms": "10",
    ...more,
  };
}

describe("HTTP source OAuth2: the token endpoint's TLS", () => {
  const trustCa = () => ({
    "http.ssl.enabled": "true",
    "http.ssl.truststore.location": tls.caCert,
    "http.ssl.truststore.type": "PEM",
  });

  test.each([
    ["self-signed, verification off, no stores", "self", () => ({})],
    ["self-signed, verification off, with a trust store", "self", trustCa],
    ["under the trusted CA for another host, verification off", "other", trustCa],
  ])("%s: the API's trust-all never sends the client secret to it", async (_name, tokenCert, stores) => {
    using api = https("self", pageAnswer);
    using idp = https(tokenCert, tokenAnswer);
    const config = oauth2(api.url, idp.url, { ...stores(), "http.ssl.verification.enabled": "false" });
    const h = await startTask(config);
    const error = await h.task.poll(new AbortController().signal).catch((e) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect(error.message).toContain("Could not reach the OAuth2 token endpoint");
    expect(idp.seen).toEqual([]);
    expect(api.seen).toEqual([]);
    expect(`${traceOf(error)}\n${h.logs.join("\n")}`).not.toContain("client-secret-41");
  });

  test("verification off still reaches a self-signed API once the token endpoint is verified", async () => {
    using api = https("self", pageAnswer);
    using idp = https("server", tokenAnswer);
    const h = await startTask(oauth2(api.url, idp.url, { ...trustCa(), "http.ssl.verification.enabled": "false" }));
    expect(await h.collect(1)).toHaveLength(1);
    expect(api.seen[0]!.authorization).toBe("Bearer tls-token");
    expect(idp.seen).toHaveLength(1);
  });

  test("the token endpoint trusts the system roots plus http.ssl.truststore", async () => {
    using api = https("server", pageAnswer);
    using idp = https("server", tokenAnswer);
    const config = oauth2(api.url, idp.url, trustCa());
    const h = await startTask(config);
    expect(await h.collect(1)).toHaveLength(1);
    expect(api.seen[0]!.authorization).toBe("Bearer tls-token");
    const apiTls = tlsMaterialOf(parseHttpSourceConfig({ ...config, "kafka.topic": "events" }));
    const { ca, rejectUnauthorized } = tokenEndpointTls(apiTls)!;
    expect(rejectUnauthorized).toBe(true);
    expect(ca!.slice(0, -1)).toEqual(getCACertificates("default"));
    expect(ca!.at(-1)).toBe(apiTls.ca![0]!);
  });
});
