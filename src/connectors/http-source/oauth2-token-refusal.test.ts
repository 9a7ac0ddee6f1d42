// An OAuth2 token endpoint refusing the client's credentials is no fault of the page: as the API's 401.
import { describe, expect, test } from "bun:test";
import type { SourceRecord } from "../../api/record.ts";
import { ConnectError, isRetriable } from "../../errors.ts";
import { api, recordIds as ids, startTask } from "./test-support.ts";

describe("HttpSourceTask after the OAuth2 token endpoint refused the credentials (explore29 F2)", () => {
  // As the API's 401 (above): a client secret being rotated may pass. It failed the task at once
  // whatever behavior.on.error, while the API's 401 under log / ignore was retried at every poll.
  async function refusedOnce(config: Record<string, string>) {
    let refusals = 1;
    using tokens = api(() =>
      refusals-- > 0
        ? Response.json({ error: "invalid_client" }, { status: 401 })
        : Response.json({ access_token: "tok-1", expires_in: 3600 }),
    );
    using server = api(() => Response.json([{ id: 1 }]));
    const h = await startTask({
      "http.url": `${server.base}/e`,
      "http.response.records.path": "$[*]",
      "http.auth.type": "OAUTH2",
      "http.oauth2.token.url": `${tokens.base}/token`,
      "http.oauth2.client.id": "gw",
      "http.oauth2.client.secret": "client-secret-1",
      "http.timer.interval.ms": "1000",
      ...config,
    });
    const outcome = await h.collect(1, 20).catch((e: unknown) => e);
    return { outcome, logs: h.logs, tokenRequests: tokens.seen.length };
  }

  test.each([
    ["log", { "errors.tolerance": "all", "errors.log.enable": "true" }],
    ["ignore", { "behavior.on.error": "ignore" }],
  ])("with %s, the task goes on: the next poll asks for a token again and delivers the page", async (what, config) => {
    const { outcome, logs, tokenRequests } = await refusedOnce(config);
    expect(ids(outcome as SourceRecord[])).toEqual([1]);
    expect(tokenRequests).toBe(2);
    const warned = logs.some(
      (l) => l.includes("not sent: the OAuth2 token endpoint") && l.includes("HTTP 401 (invalid_client)"),
    );
    expect(warned).toBe(what === "log");
  });

  test("with fail, the task fails with the endpoint's refusal", async () => {
    const { outcome } = await refusedOnce({ "behavior.on.error": "fail" });
    expect(outcome).toBeInstanceOf(ConnectError);
    expect(isRetriable(outcome)).toBe(false);
    expect((outcome as Error).message).toContain("answered HTTP 401 (invalid_client)");
  });
});
