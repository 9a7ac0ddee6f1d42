// An OAuth2 token endpoint refusing the client's credentials, or answering 2xx without a usable
// token, is no fault of the page: as the API's 401, behavior.on.error decides.
import { describe, expect, test } from "bun:test";
import type { SourceRecord } from "../../api/record.ts";
import { ConnectError, isRetriable } from "../../errors.ts";
import { api, recordIds as ids, startTask } from "./test-support.ts";

/** The task's first poll gets `first` from the token endpoint, the next ones a token. */
async function tokenAnswerOnce(first: () => Response, config: Record<string, string>) {
  let answers = 1;
  using tokens = api(() => (answers-- > 0 ? first() : Response.json({ access_token: "tok-1", expires_in: 3600 })));
  using server = api(() => Response.json([{ id: 1 }]));
  const h = await startTask({
    "http.url": `${server.base}/e`,
    "http.response.records.path": "$[*]",
    "http.auth.type": "OAUTH2",
    // A query of the token URL may carry credentials: no message shows it.
    "http.oauth2.token.url": `${tokens.base}/token?tenant-key=url-secret-1`,
    "http.oauth2.client.id": "gw",
    "http.oauth2.client.secret": "client-secret-1",
    "http.timer.interval.ms": "1000",
    ...config,
  });
  const outcome = await h.collect(1, 20).catch((e: unknown) => e);
  return { outcome, logs: h.logs, tokenRequests: tokens.seen.length, tokenUrl: `${tokens.base}/token` };
}

const behaviors: [string, Record<string, string>][] = [
  ["log", { "errors.tolerance": "all", "errors.log.enable": "true" }],
  ["ignore", { "behavior.on.error": "ignore" }],
];

describe("HttpSourceTask after the OAuth2 token endpoint refused the credentials (explore29 F2)", () => {
  // As the API's 401 (above): a client secret being rotated may pass. It failed the task at once
  // whatever behavior.on.error, while the API's 401 under log / ignore was retried at every poll.
  const refused = () => Response.json({ error: "invalid_client" }, { status: 401 });

  test.each(behaviors)(
    "with %s, the task goes on: the next poll asks for a token again and delivers the page",
    async (what, config) => {
      const { outcome, logs, tokenRequests } = await tokenAnswerOnce(refused, config);
      expect(ids(outcome as SourceRecord[])).toEqual([1]);
      expect(tokenRequests).toBe(2);
      const warned = logs.some(
        (l) => l.includes("not sent: the OAuth2 token endpoint") && l.includes("HTTP 401 (invalid_client)"),
      );
      expect(warned).toBe(what === "log");
    },
  );

  test("with fail, the task fails with the endpoint's refusal", async () => {
    const { outcome } = await tokenAnswerOnce(refused, { "behavior.on.error": "fail" });
    expect(outcome).toBeInstanceOf(ConnectError);
    expect(isRetriable(outcome)).toBe(false);
    expect((outcome as Error).message).toContain("answered HTTP 401 (invalid_client)");
  });
});

describe("HttpSourceTask after the OAuth2 token endpoint answered without a usable token (p3d)", () => {
  // It failed the task whatever behavior.on.error, while a refusal (above) followed it. Each answer:
  // what the messages say after the endpoint's URL.
  const unreadable = "was reached, but its answer is not a token response:";
  const unusable: [string, () => Response, string][] = [
    [
      "a body that is not JSON",
      () => new Response("<html>signed out</html>", { headers: { "content-type": "text/html" } }),
      `${unreadable} HTTP 200 with Content-Type text/html and a body that is not JSON`,
    ],
    [
      "no access_token",
      () => Response.json({ token: "tok-elsewhere", token_type: "Bearer" }),
      `${unreadable} HTTP 200 with Content-Type application/json and no access_token in it`,
    ],
    [
      "a body that does not decompress",
      () =>
        new Response("plain, not gzip", {
          headers: { "content-encoding": "gzip", "content-type": "application/json" },
        }),
      `${unreadable} its body does not decompress as its Content-Encoding says`,
    ],
    [
      "a body over http.response.max.bytes",
      () => Response.json({ access_token: "tok-elsewhere".repeat(100) }),
      `${unreadable} its body is larger than the limit of 1000 bytes`,
    ],
    [
      "a 302",
      () => new Response(null, { status: 302, headers: { location: "https://login.example/" } }),
      "answered HTTP 302 (token requests do not follow redirects)",
    ],
  ];
  const limited = { "http.response.max.bytes": "1000" };
  const cases = unusable.flatMap(([answer, first, detail]) =>
    behaviors.map(([what, config]) => [what, answer, first, detail, { ...limited, ...config }] as const),
  );

  test.each(cases)(
    "with %s, after %s, the next poll asks for a token again and delivers the page",
    async (what, _answer, first, detail, config) => {
      const { outcome, logs, tokenRequests, tokenUrl } = await tokenAnswerOnce(first, config);
      expect(ids(outcome as SourceRecord[])).toEqual([1]);
      expect(tokenRequests).toBe(2);
      const warnings = logs.filter((l) => l.includes("not sent: the OAuth2 token endpoint"));
      const warning = `the OAuth2 token endpoint ${tokenUrl} ${detail}; skipped`;
      expect(warnings).toEqual(what === "log" ? [expect.stringContaining(warning)] : []);
      for (const secret of ["url-secret-1", "client-secret-1", "tok-elsewhere"])
        expect(logs.join("\n")).not.toContain(secret);
    },
  );

  test.each(unusable)(
    "with fail, after %s, the task fails naming the endpoint and the answer",
    async (_answer, first, detail) => {
      const { outcome, tokenUrl } = await tokenAnswerOnce(first, { ...limited, "behavior.on.error": "fail" });
      expect(outcome).toBeInstanceOf(ConnectError);
      expect(isRetriable(outcome)).toBe(false);
      expect((outcome as Error).message).toBe(`the OAuth2 token endpoint ${tokenUrl} ${detail}`);
    },
  );
});
