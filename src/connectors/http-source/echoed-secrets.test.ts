import { describe, expect, test } from "bun:test";
import { bodySecrets, urlSecrets, withoutEchoes } from "./echoed-secrets.ts";
import { bodySnippet } from "./error-behavior.ts";
import { api, startTask } from "./test-support.ts";

const SECRETS = [
  "APIKEY_555",
  "ACCESS-TOKEN-123",
  "BASIC-PASS-77",
  btoa("u:BASIC-PASS-77"),
  "CLIENT-SECRET-9",
  "HDR-TOKEN-42",
];

/** An API that answers every page with an error quoting the request, as many error pages do. */
function echoingApi(status: number) {
  return api(
    (req, url) =>
      new Response(
        `${status === 200 ? url.searchParams.get("api_key") : "bad request"} ${url.pathname}${url.search} authorization=${req.headers.get("authorization")} x-api-token=${req.headers.get("x-api-token")}`,
        { status },
      ),
  );
}

function auth(kind: "BASIC" | "OAUTH2", tokenUrl: string): Record<string, string> {
  return kind === "BASIC"
    ? { "http.auth.type": "BASIC", "http.auth.user": "u", "http.auth.password": "BASIC-PASS-77" }
    : {
        "http.auth.type": "OAUTH2",
        "http.oauth2.token.url": tokenUrl,
        "http.oauth2.client.id": "cid",
        "http.oauth2.client.secret": "CLIENT-SECRET-9",
      };
}

describe("an API answer quoting the request", () => {
  test.each(["BASIC", "OAUTH2"] as const)(
    "%s: the key in the URL, the credentials and sensitive headers are [hidden] in the task's error and the logs",
    async (kind) => {
      using tokens = api(() => Response.json({ access_token: "ACCESS-TOKEN-123", expires_in: 3600 }));
      for (const [status, behavior] of [
        [400, "fail"],
        [503, "log"],
        [200, "log"],
      ] as const) {
        using server = echoingApi(status);
        const h = await startTask({
          "http.url": `${server.base}/items?api_key=APIKEY_555&q=1`,
          "http.headers": "X-Api-Token: HDR-TOKEN-42",
          "http.response.records.path": "$[*]",
          "http.retry.max.attempts": "1",
          "behavior.on.error": behavior,
          ...auth(kind, `${tokens.base}/token`),
        });
        try {
          const error = await h.task.poll(new AbortController().signal).then(
            () => undefined,
            (e: Error) => e,
          );
          expect(server.seen.length).toBe(1);
          const shown = `${error?.message ?? ""}\n${h.logs.join("\n")}`;
          expect(shown).toContain(status === 200 ? 'Unexpected identifier "[hidden]"' : "authorization=[hidden]");
          if (status !== 200) expect(shown).toContain("/items?api_key=***&q=1");
          for (const secret of SECRETS) expect(shown).not.toContain(secret);
        } finally {
          await h.task.stop();
        }
      }
    },
  );

  // explore25 F1: a JSON echo escapes what it quotes (PHP's json_encode also `/` as `\/`), and the
  // credentials showed escaped in the FAILED task's trace and the log.
  test.each([false, true])(
    "an echo as JSON (slashes escaped: %p) hides the credentials as it escapes them",
    async (php) => {
      const password = "SECRET-explore25-B64_?0";
      const pair = btoa(`u:${password}`);
      expect(pair).toContain("/");
      const header = 'SECRET-Q"UOTE/57';
      using server = api((req) => {
        const json = JSON.stringify({
          authorization: req.headers.get("authorization"),
          key: req.headers.get("x-api-key"),
        });
        return new Response(php ? json.replaceAll("/", "\\/") : json, { status: 400 });
      });
      const h = await startTask({
        "http.url": `${server.base}/items`,
        "http.headers": `X-Api-Key: ${header}`,
        "http.auth.type": "BASIC",
        "http.auth.user": "u",
        "http.auth.password": password,
        "http.response.records.path": "$[*]",
        "http.retry.max.attempts": "1",
        "behavior.on.error": "fail",
      });
      try {
        const error = await h.task.poll(new AbortController().signal).then(
          () => undefined,
          (e: Error) => e,
        );
        expect(server.seen.length).toBe(1);
        expect(error?.message).toContain('{"authorization":"[hidden]","key":"[hidden]"}');
        const shown = `${error?.message}\n${h.logs.join("\n")}`;
        for (const secret of [pair, password, header]) {
          expect(shown).not.toContain(JSON.stringify(secret).slice(1, -1));
          expect(shown).not.toContain(JSON.stringify(secret).slice(1, -1).replaceAll("/", "\\/"));
        }
      } finally {
        await h.task.stop();
      }
    },
  );

  // Secaudit: a login body's password (http.request.body), echoed by a refusing API, showed in the
  // FAILED trace and the log.
  test.each([
    ['{"username":"u","auth":{"password":"B0dy-pa55-JSON"},"keys":[{"api_key":"B0dy-k3y-JSON"}]}', "json"],
    ["username=u&password=B0dy-pa55-FORM&api_key=B0dy-k3y-FORM", "form"],
    ['{"credentials":{"user":"u","value":"B0dy-nested-JSON"},"password":{"value":"B0dy-pa55-nested"}}', "nested json"],
  ])("the secret-looking fields of the request body %s are [hidden] in an echo (%s)", async (body) => {
    using server = api((_req, _url, n) => new Response(`refused ${server.seen[n - 1]?.body}`, { status: 401 }));
    const h = await startTask({
      "http.url": `${server.base}/login`,
      "http.method": "POST",
      "http.request.body": body,
      "http.retry.max.attempts": "1",
      "behavior.on.error": "fail",
    });
    try {
      const error = await h.task.poll(new AbortController().signal).then(
        () => undefined,
        (e: Error) => e,
      );
      const shown = `${error?.message}\n${h.logs.join("\n")}`;
      expect(shown).toContain("refused");
      expect(shown).toContain("[hidden]");
      expect(shown).not.toContain("B0dy-");
    } finally {
      await h.task.stop();
    }
  });

  test("bodySecrets: secret-named fields of a JSON or form body, none of another text", () => {
    expect(bodySecrets('{"user":"u","password":"p-1","n":{"client_secret":42},"author":"bob"}')).toEqual(["p-1", "42"]);
    // secaudit review P3: the fields under a secret-named object showed.
    expect(
      bodySecrets('{"credentials":{"user":"u-1","value":"S3cret"},"password":{"value":"x-2"},"q":{"v":"1"}}'),
    ).toEqual(["u-1", "S3cret", "x-2"]);
    expect(bodySecrets('{"api_keys":[{"id":"k-1"},"k-2"],"items":[{"n":3}]}')).toEqual(["k-1", "k-2"]);
    expect(bodySecrets("grant=x&token=t-1&q=2")).toEqual(["t-1"]);
    expect(bodySecrets(undefined)).toEqual([]);
    expect(bodySecrets("plain text")).toEqual([]);
  });

  test("a secret is hidden whole where the snippet ends in it; the URL's secrets are found as written and decoded", () => {
    const body = new TextEncoder().encode(`${"x".repeat(295)} SECRET-VALUE-0123456789 and more`);
    expect(bodySnippet(body, ["SECRET-VALUE-0123456789"])).toBe(`${"x".repeat(295)} [hidden]…`);
    expect(bodySnippet(body)).toBe(`${"x".repeat(295)} SECR…`);
    // review P3-2: the whitespace was folded before the secrets were looked for.
    const echoed = new TextEncoder().encode('{"error":"bad key SECRET\tTAB  two\nNL",\n  "x": 1}');
    expect(bodySnippet(echoed, ["SECRET\tTAB  two\nNL"])).toBe('{"error":"bad key [hidden]", "x": 1}');
    expect(urlSecrets("http://me:p%40ss@h/x?token=a%2Bb&page=2&api_key=k+1")).toEqual(
      expect.arrayContaining(["me", "p%40ss", "p@ss", "a%2Bb", "a+b", "k+1", "k 1"]),
    );
    expect(urlSecrets("http://h/x?page=2345")).toEqual([]);
    expect(withoutEchoes("abc key-1 key-12", ["key-1", "key-12", "k"])).toBe("abc [hidden] [hidden]");
  });
});
