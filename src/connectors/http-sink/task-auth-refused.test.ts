import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { endpoint, harness, record, tokenEndpoint } from "./test-support.ts";

const fast = {
  "sink.retry.backoff.initial.ms": "1",
  "sink.retry.backoff.max.ms": "5",
  "sink.flush-buffer.timeout": "0",
  "sink.batch.max-size": "20",
  "sink.request.batch.size": "20",
};

describe("HttpSinkTask when the endpoint refuses the credentials, not the records", () => {
  test.each([401, 407])(
    "a batch answered %p fails the task whole (errors.tolerance=all): not re-sent record by record, nothing reported or committed",
    async (status) => {
      await using server = endpoint();
      server.answer(() => new Response("not allowed", { status }));
      await using h = harness({
        url: server.url(),
        ...fast,
        "sink.header.Authorization": "user:wrong",
        "errors.tolerance": "all",
      });
      await h.task.put(Array.from({ length: 20 }, (_, i) => record(0, i, i)));
      await waitFor(() => h.raised.length === 1);
      await h.task.idle();
      expect(server.received).toHaveLength(1);
      expect(h.errant).toEqual([]);
      expect(h.raised[0]!.message).toBe(`HTTP ${status} from POST ${server.url()} after 1 attempt(s): not allowed`);
      expect(() => h.task.preCommit([{ topic: "orders", partition: 0, offset: 20 }])).toThrow(`HTTP ${status}`);
    },
  );

  test("a batch answered 403 is still re-sent record by record: the endpoint may forbid only some records", async () => {
    await using server = endpoint();
    server.answer((r) =>
      r.body.includes('"tenant-b"') ? new Response("tenant-b is not yours", { status: 403 }) : new Response("ok"),
    );
    await using h = harness({ url: server.url(), ...fast });
    await h.task.put([record(0, 0, "tenant-a"), record(0, 1, "tenant-b"), record(0, 2, "tenant-a")]);
    await waitFor(() => h.errant.length === 1 && server.received.length === 4);
    await h.task.idle();
    expect(h.errant[0]!.record.kafkaOffset).toBe(1);
  });

  test("OIDC: a fresh token refused too fails the task after one renewal; no record is reported", async () => {
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
      "errors.tolerance": "all",
    });
    await h.task.put(Array.from({ length: 20 }, (_, i) => record(0, i, i)));
    await waitFor(() => h.raised.length === 1);
    await h.task.idle();
    expect(tokens.state.calls).toBe(2);
    expect(server.received.map((r) => r.headers.authorization)).toEqual(["Bearer t1", "Bearer t2"]);
    expect(h.errant).toEqual([]);
    expect(h.raised[0]!.message).toBe(`HTTP 401 from POST ${server.url()} after 1 attempt(s): wrong audience`);
  });

  // auditsink F2: fetch refused a token with a control character in each request, which the sink took as its records'
  // fault (errors.tolerance=all: every record to the dead letter queue, and committed); one from U+0080 to U+00FF
  // was sent. The token endpoint's answer is unusable: the task fails before any request.
  test.each([
    ["a control character", "nul\u0000"],
    ["a character from U+0080 to U+00FF", "caf\u00e9-"],
  ])(
    "OIDC: a token with %s fails the task (errors.tolerance=all): nothing sent, reported or committed",
    async (_, prefix) => {
      await using tokens = tokenEndpoint(prefix);
      await using server = endpoint();
      await using h = harness({
        url: server.url(),
        ...fast,
        "security.oidc.token.request": "grant_type=client_credentials",
        "security.oidc.token.endpoint.url": tokens.url,
        "errors.tolerance": "all",
      });
      await h.task.put([record(0, 0, 1), record(0, 1, 2)]);
      await waitFor(() => h.raised.length === 1);
      await h.task.idle();
      expect(h.raised[0]!.message).toBe(
        `the OIDC token endpoint ${tokens.url} was reached, but its answer is not a token response: HTTP 200 with Content-Type application/json and an access_token that is not printable ASCII (RFC 6750 Bearer token)`,
      );
      expect(server.received).toEqual([]);
      expect(h.errant).toEqual([]);
      expect(() => h.task.preCommit([{ topic: "orders", partition: 0, offset: 2 }])).toThrow(h.raised[0]!.message);
    },
  );

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

  describe("when the endpoint echoes the request's credentials in its error body", () => {
    test("Basic credentials and configured secret headers are masked in the error, the DLQ context and the log", async () => {
      await using server = endpoint();
      server.answer(
        (r) =>
          new Response(`rejected: authorization=${r.headers.authorization} x-api-key=${r.headers["x-api-key"]}`, {
            status: 400,
          }),
      );
      await using h = harness({
        url: server.url(),
        ...fast,
        "sink.header.Authorization": "user:s3cret",
        "sink.header.X-Api-Key": "k3y-value",
      });
      await h.task.put([record(0, 0, 1)]);
      await waitFor(() => h.errant.length === 1);
      const basic = btoa("user:s3cret");
      const error = h.errant[0]!.error as Error & { errorContext: Record<string, string> };
      expect(error.message).toBe(
        `HTTP 400 from POST ${server.url()} after 1 attempt(s): rejected: authorization=Basic [hidden] x-api-key=[hidden]`,
      );
      const shown = [error.message, JSON.stringify(error.errorContext), ...h.lines].join("\n");
      for (const secret of [basic, "s3cret", "k3y-value"]) expect(shown).not.toContain(secret);
    });

    test("secret query values and the password of the URL are masked", async () => {
      await using server = endpoint();
      server.answer(
        (r) => new Response(`no route for ${r.path} (authorization ${r.headers.authorization})`, { status: 404 }),
      );
      const url = server.url("/in?api_key=qu3ry-k3y%2Bx&page=1").replace("http://", "http://dev:pa55-w0rd@");
      await using h = harness({ url, ...fast });
      await h.task.put([record(0, 0, 1)]);
      await waitFor(() => h.errant.length === 1);
      const error = h.errant[0]!.error as Error & { errorContext: Record<string, string> };
      expect(error.message).toEndWith(
        "after 1 attempt(s): no route for /in?api_key=[hidden]&page=1 (authorization Basic [hidden])",
      );
      const shown = [error.message, JSON.stringify(error.errorContext), ...h.lines].join("\n");
      for (const secret of ["qu3ry-k3y", "pa55-w0rd", btoa("dev:pa55-w0rd")]) expect(shown).not.toContain(secret);
    });

    test("the OIDC token is masked", async () => {
      await using tokens = tokenEndpoint("eyJhbGciOi.");
      await using server = endpoint();
      server.answer((r) => new Response(`bad request with ${r.headers.authorization}`, { status: 422 }));
      await using h = harness({
        url: server.url(),
        ...fast,
        "security.oidc.token.request": "grant_type=client_credentials",
        "security.oidc.token.endpoint.url": tokens.url,
      });
      await h.task.put([record(0, 0, 1)]);
      await waitFor(() => h.errant.length === 1);
      expect(h.errant[0]!.error.message).toEndWith("after 1 attempt(s): bad request with Bearer [hidden]");
    });
  });
});
