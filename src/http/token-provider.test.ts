import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { SignJWT } from "jose";
import { rawEndpoint } from "../../test/support/raw-endpoint.ts";
import { refusingProxy, withHttpsProxy } from "../../test/support/refusing-proxy.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { isRetriable } from "../errors.ts";
import type { Clock } from "../util/clock.ts";
import { HttpClient } from "./http-client.ts";
import { type TokenHttpClient, TokenProvider } from "./token-provider.ts";
import { TokenRequestError } from "./token-request-errors.ts";

/**
 * A clock the test moves by hand (`t`, both readings); `wallStep` steps only the wall clock, as NTP
 * does. The token endpoint stamps `exp` from the wall clock too.
 */
class ManualClock implements Clock {
  wallStep = 0;
  constructor(public t = 1_800_000_000_000) {}
  now(): number {
    return this.t + this.wallStep;
  }
  monotonic(): number {
    return this.t;
  }
  async sleep(): Promise<void> {}
}

const clock = new ManualClock();
const secret = new TextEncoder().encode("token-endpoint-signing-key-0123456789");

/** What the endpoint answers next: a JWT with `exp` and optionally `expires_in`, or an error. */
interface Behaviour {
  lifetimeS: number;
  expiresIn?: number | string;
  status?: number;
  body?: string;
  /** Answer a non-JWT token `opaque-<n>` without expires_in. */
  opaque?: boolean;
  /** Hold each response until this resolves (to make callers overlap). */
  gate?: Promise<void>;
}

let behaviour: Behaviour = { lifetimeS: 60 };
let calls = 0;
const requests: { body: string; contentType: string | null; authorization: string | null }[] = [];

let server: ReturnType<typeof Bun.serve>;

beforeAll(() => {
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      calls++;
      requests.push({
        body: await req.text(),
        contentType: req.headers.get("content-type"),
        authorization: req.headers.get("authorization"),
      });
      const b = behaviour;
      await b.gate;
      if (b.status !== undefined) return new Response(b.body ?? "", { status: b.status });
      if (b.opaque)
        return Response.json({
          access_token: `opaque-${calls}`,
          ...(b.expiresIn === undefined ? {} : { expires_in: b.expiresIn }),
        });
      const token = await new SignJWT({ n: calls })
        .setProtectedHeader({ alg: "HS256" })
        .setExpirationTime(Math.floor(clock.now() / 1000) + b.lifetimeS)
        .sign(secret);
      const json: Record<string, unknown> = { access_token: token, token_type: "Bearer" };
      if (b.expiresIn !== undefined) json.expires_in = b.expiresIn;
      return Response.json(json);
    },
  });
});

afterAll(() => server.stop(true));

beforeEach(() => {
  behaviour = { lifetimeS: 60 };
  calls = 0;
  requests.length = 0;
  clock.t = 1_800_000_000_000;
  clock.wallStep = 0;
});

const fetchClient: TokenHttpClient = {
  async request(req) {
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: req.signal,
    });
    return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
  },
};

function provider(overrides: Partial<ConstructorParameters<typeof TokenProvider>[0]> = {}): TokenProvider {
  return new TokenProvider({
    tokenUrl: `http://127.0.0.1:${server.port}/oauth/token`,
    form: { grant_type: "client_credentials", client_id: "gw", client_secret: "s3cr3t-value" },
    expiryReductionMs: 1000,
    client: fetchClient,
    clock,
    ...overrides,
  });
}

describe("TokenProvider", () => {
  test("posts the form body and caches the token", async () => {
    const p = provider();
    const first = await p.token();
    const second = await p.token();
    expect(second).toBe(first);
    expect(calls).toBe(1);
    expect(requests[0]).toEqual({
      body: "grant_type=client_credentials&client_id=gw&client_secret=s3cr3t-value",
      contentType: "application/x-www-form-urlencoded",
      authorization: null,
    });
  });

  test("sends a raw form body as is, with Basic auth when given", async () => {
    const p = provider({ form: "grant_type=password&username=a%20b", basicAuth: { user: "gw", password: "pw" } });
    await p.token();
    expect(requests[0]).toEqual({
      body: "grant_type=password&username=a%20b",
      contentType: "application/x-www-form-urlencoded",
      authorization: `Basic ${btoa("gw:pw")}`,
    });
  });

  describe("expiry", () => {
    test("renews once now is past exp minus the reduction (JWT exp, no expires_in)", async () => {
      behaviour = { lifetimeS: 10 };
      const p = provider();
      const first = await p.token();
      clock.t += 9000; // exactly expiry − 1 s: still valid
      expect(await p.token()).toBe(first);
      expect(calls).toBe(1);
      clock.t += 1;
      const second = await p.token();
      expect(second).not.toBe(first);
      expect(calls).toBe(2);
    });

    test("expires_in wins over the JWT's exp", async () => {
      behaviour = { lifetimeS: 3600, expiresIn: 5 };
      const p = provider({ expiryReductionMs: 0 });
      await p.token();
      clock.t += 5000;
      await p.token();
      expect(calls).toBe(1);
      clock.t += 1;
      await p.token();
      expect(calls).toBe(2);
    });

    test.each([
      ["back", -3_600_000],
      ["forward", 3_600_000],
    ])("expires_in counts on the monotonic clock: a wall clock stepped %s an hour changes nothing", async (_, step) => {
      behaviour = { lifetimeS: 3600, expiresIn: 10 };
      const p = provider();
      const first = await p.token();
      clock.wallStep = step;
      expect(await p.token()).toBe(first);
      clock.t += 9000; // exactly expiry − 1 s: still valid
      expect(await p.token()).toBe(first);
      expect(calls).toBe(1);
      clock.t += 1;
      await p.token();
      expect(calls).toBe(2);
    });

    test("a JWT's exp is an instant on the wall clock: a wall clock stepped past it renews the token", async () => {
      behaviour = { lifetimeS: 60 };
      const p = provider();
      await p.token();
      clock.wallStep = 3_600_000;
      await p.token();
      expect(calls).toBe(2);
    });

    test("expires_in may be a numeric string", async () => {
      behaviour = { lifetimeS: 3600, expiresIn: "2" };
      const p = provider({ expiryReductionMs: 500 });
      await p.token();
      clock.t += 1501;
      await p.token();
      expect(calls).toBe(2);
    });

    // Review finding P3.14: a margin longer than the lifetime refetched the token before every request.
    test("the reduction is at most half the token's lifetime", async () => {
      behaviour = { lifetimeS: 3600, expiresIn: 20 };
      const p = provider({ expiryReductionMs: 30_000 });
      const first = await p.token();
      clock.t += 10_000; // half of the 20 s lifetime: still valid
      expect(await p.token()).toBe(first);
      expect(calls).toBe(1);
      clock.t += 1;
      await p.token();
      expect(calls).toBe(2);
    });

    // sinksec: an expires_in of 0 (or negative, or under a second) made every request fetch a token.
    describe.each([0, -60, "0", 0.5, null, "soon"])("expires_in %p is a lifetime not given", (expiresIn) => {
      test("an opaque token is kept until invalidated (a 401)", async () => {
        behaviour = { lifetimeS: 60, opaque: true, expiresIn: expiresIn as number | string };
        const p = provider();
        expect(await p.token()).toBe("opaque-1");
        clock.t += 86_400_000;
        expect(await p.token()).toBe("opaque-1");
        expect(calls).toBe(1);
        p.invalidate("opaque-1");
        expect(await p.token()).toBe("opaque-2");
      });

      test("a JWT's exp gives the expiry", async () => {
        behaviour = { lifetimeS: 10, expiresIn: expiresIn as number | string };
        const p = provider();
        const first = await p.token();
        clock.t += 9000; // exactly exp − 1 s: still valid
        expect(await p.token()).toBe(first);
        expect(calls).toBe(1);
        clock.t += 1;
        await p.token();
        expect(calls).toBe(2);
      });
    });

    test("expires_in 1 is honoured: renewed after half of it", async () => {
      behaviour = { lifetimeS: 3600, expiresIn: 1 };
      const p = provider();
      await p.token();
      clock.t += 500;
      await p.token();
      expect(calls).toBe(1);
      clock.t += 1;
      await p.token();
      expect(calls).toBe(2);
    });

    // sinksec: this host's clock past the JWT's exp (ahead of the endpoint's) fetched a token for every request.
    // exp is in whole seconds: requested 500 ms into a second, a token of `lifetimeS: 1` has 500 ms left.
    test.each([
      ["already past", -60, 0],
      ["the request's own second", 0, 0],
      ["half a second away", 1, 500],
    ])(
      "a JWT whose exp is %s on this host's clock, without expires_in, is kept until invalidated",
      async (_, lifetimeS, intoSecondMs) => {
        behaviour = { lifetimeS };
        clock.t += intoSecondMs;
        const p = provider();
        const first = await p.token();
        clock.t += 86_400_000;
        expect(await p.token()).toBe(first);
        expect(calls).toBe(1);
        p.invalidate(first);
        expect(await p.token()).not.toBe(first);
        expect(calls).toBe(2);
      },
    );

    test("a JWT whose exp is exactly a second away is honoured: renewed after half of it", async () => {
      behaviour = { lifetimeS: 1 };
      const p = provider();
      await p.token();
      clock.t += 500;
      await p.token();
      expect(calls).toBe(1);
      clock.t += 1;
      await p.token();
      expect(calls).toBe(2);
    });

    test("an opaque token without expires_in is kept until invalidated", async () => {
      behaviour = { lifetimeS: 60, opaque: true };
      const p = provider();
      expect(await p.token()).toBe("opaque-1");
      clock.t += 86_400_000;
      expect(await p.token()).toBe("opaque-1");
      p.invalidate("opaque-1");
      expect(await p.token()).toBe("opaque-2");
    });
  });

  test("concurrent callers share one fetch", async () => {
    let release!: () => void;
    behaviour = { lifetimeS: 60, gate: new Promise<void>((r) => (release = r)) };
    const p = provider();
    const waiting = Array.from({ length: 25 }, () => p.token());
    await waitFor(() => calls === 1);
    release();
    const tokens = await Promise.all(waiting);
    expect(new Set(tokens).size).toBe(1);
    expect(calls).toBe(1);
  });

  test("after invalidate (a 401) the next callers fetch exactly once", async () => {
    const p = provider();
    const first = await p.token();
    p.invalidate(first);
    const renewed = await Promise.all([p.token(), p.token(), p.token()]);
    expect(new Set(renewed).size).toBe(1);
    expect(renewed[0]).not.toBe(first);
    expect(calls).toBe(2);
    // A late 401 for the old token must not throw away the renewed one.
    p.invalidate(first);
    expect(await p.token()).toBe(renewed[0]!);
    expect(calls).toBe(2);
  });

  test("a caller's abort ends its own wait only", async () => {
    let release!: () => void;
    behaviour = { lifetimeS: 60, gate: new Promise<void>((r) => (release = r)) };
    const p = provider();
    const controller = new AbortController();
    const aborted = p.token(controller.signal);
    const patient = p.token();
    controller.abort(new Error("stopping"));
    await expect(aborted).rejects.toThrow("stopping");
    release();
    expect(typeof (await patient)).toBe("string");
    expect(calls).toBe(1);
  });

  describe("when the token endpoint fails", () => {
    test("a 400 is not retriable and shows only the OAuth error, never the request", async () => {
      behaviour = {
        lifetimeS: 60,
        status: 400,
        body: JSON.stringify({ error: "invalid_client", error_description: "bad secret", echo: "s3cr3t-value" }),
      };
      const error = await provider()
        .token()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenRequestError);
      expect(isRetriable(error)).toBe(false);
      expect((error as Error).message).toBe(
        `the OIDC token endpoint http://127.0.0.1:${server.port}/oauth/token answered HTTP 400 (invalid_client: bad secret)`,
      );
      expect((error as Error).message).not.toContain("s3cr3t");
    });

    test("an error description quoting the request shows [hidden] for the Basic credential and the secret form fields", async () => {
      const basic = Buffer.from("gw:b4sic-secret").toString("base64");
      behaviour = {
        lifetimeS: 60,
        status: 401,
        body: JSON.stringify({
          error: "invalid_client",
          error_description: `rejected Basic ${basic} with client_secret=s3cr3t%2Bvalue (s3cr3t+value)`,
        }),
      };
      const error = await provider({
        form: { grant_type: "client_credentials", client_secret: "s3cr3t+value" },
        basicAuth: { user: "gw", password: "b4sic-secret" },
      })
        .token()
        .catch((e: unknown) => e as Error);
      expect((error as Error).message).toBe(
        `the OIDC token endpoint http://127.0.0.1:${server.port}/oauth/token answered HTTP 401 (invalid_client: rejected Basic [hidden] with client_secret=[hidden] ([hidden]))`,
      );
    });

    test("an error description quoting the Basic password itself (the endpoint decoded the header) shows [hidden]", async () => {
      behaviour = {
        lifetimeS: 60,
        status: 401,
        body: JSON.stringify({
          error: "invalid_client",
          error_description: "secret b4sic+secret/1 (sent as b4sic%2Bsecret%2F1) is not the secret of gw",
        }),
      };
      const error = await provider({ basicAuth: { user: "gw", password: "b4sic%2Bsecret%2F1" } })
        .token()
        .catch((e: unknown) => e as Error);
      expect((error as Error).message).toBe(
        `the OIDC token endpoint http://127.0.0.1:${server.port}/oauth/token answered HTTP 401 (invalid_client: secret [hidden] (sent as [hidden]) is not the secret of gw)`,
      );
    });

    // Secaudit: the sink's security.oidc.token.request is a PASSWORD, but only fields named secret,
    // password, assertion or token were hidden, so an echoed api_key showed in the trace and the logs.
    test("an error description quoting key-like form fields (api_key, code_verifier, pwd) shows [hidden]", async () => {
      behaviour = {
        lifetimeS: 60,
        status: 400,
        body: JSON.stringify({
          error: "invalid_request",
          error_description: "got client_credentials, gw, k3y-value-1, v3rifier-2 and pw-value-3",
        }),
      };
      const error = await provider({
        form: {
          grant_type: "client_credentials",
          client_id: "gw",
          api_key: "k3y-value-1",
          code_verifier: "v3rifier-2",
          pwd: "pw-value-3",
        },
      })
        .token()
        .catch((e: unknown) => e as Error);
      expect((error as Error).message).toBe(
        `the OIDC token endpoint http://127.0.0.1:${server.port}/oauth/token answered HTTP 400 (invalid_request: got client_credentials, gw, [hidden], [hidden] and [hidden])`,
      );
    });

    test("a 503 is retriable and the next call tries again", async () => {
      behaviour = { lifetimeS: 60, status: 503 };
      const p = provider();
      const error = await p.token().catch((e: unknown) => e);
      expect(isRetriable(error)).toBe(true);
      behaviour = { lifetimeS: 60 };
      expect(typeof (await p.token())).toBe("string");
      expect(calls).toBe(2);
    });

    test("a status outside 100..599 is classified as a 500, as an API's answer is: 099 and 999 are retriable", async () => {
      for (const status of [99, 999]) {
        const answers = [status, 200];
        const client: TokenHttpClient = {
          request: async () => ({
            status: answers.shift()!,
            headers: new Headers(),
            body: new TextEncoder().encode(JSON.stringify({ access_token: "t", expires_in: 60 })),
          }),
        };
        const p = new TokenProvider({
          tokenUrl: "http://127.0.0.1:1/token",
          form: {},
          expiryReductionMs: 0,
          client,
          clock,
        });
        const error = await p.token().catch((e: unknown) => e as Error);
        expect(isRetriable(error)).toBe(true);
        expect((error as Error).message).toContain(`answered HTTP ${status}`);
        expect(await p.token()).toBe("t");
      }
    });

    test("a response without access_token is an error", async () => {
      behaviour = { lifetimeS: 60, status: 200, body: JSON.stringify({ token_type: "Bearer" }) };
      await expect(provider().token()).rejects.toThrow("was reached, but its answer is not a token response");
    });

    test("an unreachable endpoint is retriable and its URL is shown without credentials", async () => {
      const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
      const port = closed.port;
      closed.stop(true);
      const error = await provider({
        tokenUrl: `http://user:pw@127.0.0.1:${port}/t?client_secret=x`,
        client: new HttpClient(),
      })
        .token()
        .catch((e: unknown) => e);
      expect(isRetriable(error)).toBe(true);
      expect((error as Error).message).toBe(
        `Could not reach the OIDC token endpoint http://127.0.0.1:${port}/t (connection refused or host unreachable)`,
      );
    });

    // p3sinkc 5: a proxy's refusal to open a tunnel read "connection refused or host unreachable".
    test("a proxy that refuses the tunnel is named, with its status, as why the endpoint was not reached", async () => {
      await using proxy = await refusingProxy(407, "Proxy Authentication Required");
      const error = await withHttpsProxy(proxy.url, () =>
        provider({ tokenUrl: "https://127.0.0.1:9/t", client: new HttpClient() })
          .token()
          .catch((e: unknown) => e),
      );
      expect(isRetriable(error)).toBe(true);
      expect((error as Error).message).toBe(
        "Could not reach the OIDC token endpoint https://127.0.0.1:9/t (the proxy refused to open a tunnel to 127.0.0.1:9 (HTTP 407) (ERR_PROXY_TUNNEL))",
      );
    });

    /** The message of the retriable error a token request to `tokenUrl` fails with, through a real HttpClient. */
    async function retriableFailure(tokenUrl: string, timeoutMs?: number): Promise<string> {
      const error = await provider({
        tokenUrl,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        client: new HttpClient(),
      })
        .token()
        .catch((e: unknown) => e);
      expect(isRetriable(error)).toBe(true);
      return (error as Error).message;
    }

    test("a token endpoint slower than the timeout is retriable and the message says it timed out", async () => {
      const slow = Bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        fetch: () => new Promise<Response>(() => {}),
      });
      using _slow = { [Symbol.dispose]: () => slow.stop(true) };
      expect(await retriableFailure(`http://127.0.0.1:${slow.port}/t`, 200)).toBe(
        `Could not reach the OIDC token endpoint http://127.0.0.1:${slow.port}/t (no answer within 200 ms)`,
      );
    });

    // p3sink 3: it read "Could not reach … (the connection failed)", though the endpoint had answered.
    // p3sink-b 1: at /tls/token it read "Could not reach … (TLS handshake failed)": the path's words were read.
    test.each(["/t", "/tls/token", "/dns/token", "/certs/token", "/ssl/token"])(
      "a token endpoint at %s that is no HTTP server is retriable and the message says what it answered",
      async (path) => {
        await using ssh = rawEndpoint("SSH-2.0-OpenSSH_9.6\r\n");
        expect(await retriableFailure(ssh.url(path))).toBe(
          `Could not read the answer of the OIDC token endpoint ${ssh.url(path)}: 127.0.0.1:${ssh.port} answered with something that is not HTTP/1.1 (Malformed_HTTP_Response)`,
        );
      },
    );

    test("a token endpoint whose chunked body's framing is broken is retriable and the message says what it answered", async () => {
      await using broken = rawEndpoint("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nZZ\r\nxx\r\n");
      expect(await retriableFailure(broken.url("/t"))).toBe(
        `Could not read the answer of the OIDC token endpoint ${broken.url("/t")}: 127.0.0.1:${broken.port} answered HTTP 200, then a body whose framing is not HTTP/1.1 (InvalidHTTPResponse)`,
      );
    });

    // p3sink 1: it read "Could not reach … (no answer within 200 ms)", though the endpoint had answered its head.
    test.each([
      ["stalls its body", true, " within 200 ms"],
      ["cuts its body off", false, ": the connection failed"],
    ])("a token endpoint that sends its headers and %s is retriable and the message says so", async (_, stall, how) => {
      await using stalled = rawEndpoint(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
        { close: !stall },
      );
      expect(await retriableFailure(`http://u:pw@127.0.0.1:${stalled.port}/t?client_secret=s3cret`, 200)).toBe(
        `the OIDC token endpoint http://127.0.0.1:${stalled.port}/t sent its response headers (HTTP 200) but not its body${how}`,
      );
    });
  });
});
