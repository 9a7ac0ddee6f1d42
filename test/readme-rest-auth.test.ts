/**
 * The README's REST authentication, as written: the credentials line made with the binary
 * (`printf '%s' "$PASSWORD" | gateway hash-password`, run through bash with the binary on PATH as
 * `gateway`) and the worker properties block under "## REST authentication", read as the gateway
 * reads its worker file. The gateway (the compiled binary under GATEWAY_BIN) must start with them,
 * refuse a request without credentials (401 with a challenge), accept the user with that password
 * and a bearer token of the JWKS's key, and keep /health open.
 *
 * Substitutions, the only ones a shared test machine needs: `/etc/gateway/credentials` → a scratch
 * file, the JWKS URL → a real local JWKS server over http on 127.0.0.1, port 0 (issuer and
 * audience stay: they are names in the token). Worker keys the block leaves out are the test's:
 * bootstrap.servers, listeners (port 0), data.dir. The credentials line is `admin:` and the hash
 * the command printed, as the README's comment describes the file.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { type Gateway, gatewayOnPath, startGateway } from "./support/gateway.ts";
import { kafkaBroker } from "./support/kafka.ts";
import { parseProperties, readmeBlock, readmeText, runReadmeCommand, substitute } from "./support/readme.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";

const PASSWORD = "correct horse battery staple";
let dir: TempDir;
let gw: Gateway;
let jwks: ReturnType<typeof Bun.serve>;
let token: string;

beforeAll(async () => {
  dir = await tempDir("readme-rest-auth-");
  const keys = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: "idp-1", alg: "ES256" };
  jwks = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => Response.json({ keys: [jwk] }) });
  token = await new SignJWT({ sub: "operator-1" })
    .setProtectedHeader({ alg: "ES256", kid: "idp-1" })
    .setIssuer("https://idp.example.com/")
    .setAudience("edge-gateway")
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(keys.privateKey);
});

afterAll(async () => {
  await gw?.stop();
  await jwks?.stop(true);
  await dir?.[Symbol.asyncDispose]();
});

describe("README: REST authentication", () => {
  test("the hash-password command and the properties block work as written", async () => {
    // `gateway` on PATH: the binary under test.
    const path = gatewayOnPath(dir.file("bin"));
    const hashCommand = /Make a credentials line with the binary: `([^`]+)`/.exec(readmeText())?.[1];
    expect(hashCommand).toBe(`printf '%s' "$PASSWORD" | gateway hash-password`);
    const hashed = await runReadmeCommand(hashCommand!, {
      cwd: dir.path,
      curlHome: dir.path,
      env: { PASSWORD, PATH: path },
    });
    expect({ code: hashed.code, stderr: hashed.stderr }).toEqual({ code: 0, stderr: "" });
    expect(hashed.output).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$\S+\n?$/);
    writeFileSync(dir.file("credentials"), `admin:${hashed.output.trim()}\n`);

    const block = substitute(readmeBlock("## REST authentication"), [
      ["/etc/gateway/credentials", dir.file("credentials")],
      ["https://idp.example.com/.well-known/jwks.json", `http://127.0.0.1:${jwks.port}/.well-known/jwks.json`],
    ]);
    gw = await startGateway({
      dir: dir.path,
      worker: {
        ...parseProperties(block),
        "bootstrap.servers": (await kafkaBroker()).bootstrap,
        listeners: "http://127.0.0.1:0",
        "data.dir": dir.file("data"),
      },
    });

    const get = (headers: Record<string, string> = {}) => fetch(`${gw.url}/connectors`, { headers });
    const anonymous = await get();
    expect({ status: anonymous.status, challenge: anonymous.headers.get("www-authenticate") }).toEqual({
      status: 401,
      challenge: expect.stringMatching(/^(Basic|Bearer) /),
    });
    const basic = await get({ Authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString("base64")}` });
    expect({ status: basic.status, body: await basic.json() }).toEqual({ status: 200, body: [] });
    const bearer = await get({ Authorization: `Bearer ${token}` });
    expect({ status: bearer.status, body: await bearer.json() }).toEqual({ status: 200, body: [] });
    const wrong = await get({ Authorization: `Basic ${Buffer.from("admin:wrong").toString("base64")}` });
    expect(wrong.status).toBe(401);
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
  });
});
