import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { endpoint, harness, record } from "./test-support.ts";

const fast = {
  "sink.retry.backoff.initial.ms": "1",
  "sink.retry.backoff.max.ms": "5",
  "sink.flush-buffer.timeout": "0",
  "sink.batch.max-size": "20",
  "sink.request.batch.size": "20",
};

/** A token endpoint issuing `t1`, `t2`, … valid for an hour. */
function tokenEndpoint() {
  const state = { calls: 0 };
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: () => {
      state.calls++;
      return Response.json({ access_token: `t${state.calls}`, expires_in: 3600 });
    },
  });
  return {
    state,
    url: `http://127.0.0.1:${server.port}/token`,
    async [Symbol.asyncDispose]() {
      await server.stop(true);
    },
  };
}

describe("HttpSinkTask when the endpoint refuses the credentials, not the records", () => {
  test.each([401, 403, 407])("a batch answered %p is reported whole, not re-sent record by record", async (status) => {
    await using server = endpoint();
    server.answer(() => new Response("not allowed", { status }));
    await using h = harness({ url: server.url(), ...fast, "sink.header.Authorization": "user:wrong" });
    await h.task.put(Array.from({ length: 20 }, (_, i) => record(0, i, i)));
    await waitFor(() => h.errant.length === 20);
    await h.task.idle();
    expect(server.received).toHaveLength(1);
    expect(h.errant[0]!.error.message).toBe(`HTTP ${status} from POST ${server.url()} after 1 attempt(s): not allowed`);
  });

  test("OIDC: a fresh token refused too is not renewed again at every request", async () => {
    await using tokens = tokenEndpoint();
    await using server = endpoint();
    // A token of the wrong audience: the endpoint refuses every token.
    server.answer(() => new Response("wrong audience", { status: 401 }));
    await using h = harness({
      url: server.url(),
      ...fast,
      "sink.writer.request.mode": "single",
      "security.oidc.token.request": "grant_type=client_credentials",
      "security.oidc.token.endpoint.url": tokens.url,
    });
    await h.task.put(Array.from({ length: 20 }, (_, i) => record(0, i, i)));
    await waitFor(() => h.errant.length === 20);
    await h.task.idle();
    // The first request renews once; the fresh token is refused as well, so the 401s stand.
    expect(tokens.state.calls).toBe(2);
    expect(server.received.map((r) => r.headers.authorization)).toEqual([
      "Bearer t1",
      ...Array.from({ length: 20 }, () => "Bearer t2"),
    ]);
  });

  test("OIDC: a renewed token that was accepted is renewed again on a later 401", async () => {
    await using tokens = tokenEndpoint();
    await using server = endpoint();
    // t1 is refused; t2 works for 3 requests, then is revoked; t3 works.
    server.answer((r) => {
      const auth = r.headers.authorization;
      const t2Uses = server.received.filter((x) => x.headers.authorization === "Bearer t2").length;
      if (auth === "Bearer t3" || (auth === "Bearer t2" && t2Uses <= 3)) return new Response("ok");
      return new Response("revoked", { status: 401 });
    });
    await using h = harness({
      url: server.url(),
      ...fast,
      "sink.writer.request.mode": "single",
      "security.oidc.token.request": "grant_type=client_credentials",
      "security.oidc.token.endpoint.url": tokens.url,
    });
    await h.task.put(Array.from({ length: 6 }, (_, i) => record(0, i, i)));
    await waitFor(() => server.received.filter((r) => r.headers.authorization === "Bearer t3").length === 3);
    await h.task.idle();
    expect(h.errant).toEqual([]);
    expect(tokens.state.calls).toBe(3);
  });
});
