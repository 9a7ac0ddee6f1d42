import { describe, expect, test } from "bun:test";
import { api, startTask } from "./test-support.ts";

/**
 * RFC 6749 §2.3.1: with HTTP Basic authentication the client id and secret are each
 * application/x-www-form-urlencoded first, then joined by `:` and base64-encoded; the token endpoint
 * decodes them in the reverse order. Unencoded, a `:` in the id splits it wrongly and a `+` or `%`
 * in the secret decodes to another secret.
 */
describe("OAUTH2 client authentication in the header (http.oauth2.client.auth.mode=header)", () => {
  const id = "urn:edge:gateway";
  const secret = "p+ss/w%rd& =~ü";

  /** A token endpoint that reads the credentials as RFC 6749 §2.3.1 says. */
  const rfcTokenEndpoint = () =>
    api((req) => {
      const basic = Buffer.from((req.headers.get("authorization") ?? "").replace(/^Basic /, ""), "base64").toString();
      const colon = basic.indexOf(":");
      const decode = (s: string) => decodeURIComponent(s.replaceAll("+", " "));
      const ok = decode(basic.slice(0, colon)) === id && decode(basic.slice(colon + 1)) === secret;
      return ok
        ? Response.json({ access_token: "tok-1", expires_in: 3600 })
        : Response.json({ error: "invalid_client" }, { status: 401 });
    });

  test("the id and secret are form-encoded before base64, so a token endpoint reading the RFC gets them exactly", async () => {
    using tokens = rfcTokenEndpoint();
    using server = api(() => Response.json([{ id: 1 }]));
    const h = await startTask({
      "http.url": `${server.base}/events`,
      "http.response.records.path": "$[*]",
      "http.auth.type": "OAUTH2",
      "http.oauth2.token.url": `${tokens.base}/token`,
      "http.oauth2.client.id": id,
      "http.oauth2.client.secret": secret,
    });
    expect(await h.collect(1)).toHaveLength(1);
    expect(server.seen[0]!.headers.get("authorization")).toBe("Bearer tok-1");
    expect(tokens.seen[0]!.body).toBe("grant_type=client_credentials");
  });

  test("in the body they are form fields, encoded once", async () => {
    using tokens = api((_req) => Response.json({ access_token: "tok-2" }));
    using server = api(() => Response.json([{ id: 1 }]));
    const h = await startTask({
      "http.url": `${server.base}/events`,
      "http.response.records.path": "$[*]",
      "http.auth.type": "OAUTH2",
      "http.oauth2.token.url": `${tokens.base}/token`,
      "http.oauth2.client.id": id,
      "http.oauth2.client.secret": secret,
      "http.oauth2.client.auth.mode": "body",
    });
    expect(await h.collect(1)).toHaveLength(1);
    const form = new URLSearchParams(tokens.seen[0]!.body);
    expect([form.get("client_id"), form.get("client_secret")]).toEqual([id, secret]);
    expect(tokens.seen[0]!.headers.get("authorization")).toBeNull();
  });
});

describe("a token endpoint quoting the client secret it read from the Basic header", () => {
  const secret = "Sup3r+S3cret/Value";
  const config = (tokens: { base: string }, server: { base: string }) => ({
    "http.url": `${server.base}/events`,
    "http.response.records.path": "$[*]",
    "http.auth.type": "OAUTH2",
    "http.oauth2.token.url": `${tokens.base}/token`,
    "http.oauth2.client.id": "gw",
    "http.oauth2.client.secret": secret,
    "http.retry.max.attempts": "2",
    "http.retry.backoff.ms": "1",
  });

  for (const status of [401, 503]) {
    test(`HTTP ${status}: the secret reads [hidden] in the task's error and its retry warnings`, async () => {
      using tokens = api(() =>
        Response.json(
          {
            error: "invalid_client",
            error_description: `client gw: secret ${secret} (Sup3r%2BS3cret%2FValue) is wrong`,
          },
          { status },
        ),
      );
      using server = api(() => Response.json([{ id: 1 }]));
      const h = await startTask(config(tokens, server));
      const error = await h.collect(1).catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain("client gw: secret [hidden] ([hidden]) is wrong");
      for (const text of [(error as Error).message, ...h.logs]) {
        expect(text).not.toContain("S3cret");
      }
      expect(server.seen).toHaveLength(0);
    });
  }
});
