/**
 * Review mask3, on the real binary against the real broker: what the masking hides in an HTTP
 * source's http.url never leaves through REST answers (validation, status trace, GET …/offsets) or
 * the logs: the credentials of a URL percent-encoded in a parameter, PKCE's `code_verifier`, a
 * scheme-less password holding a space, a user info holding an unclosed `${`, an encoded parameter
 * list whose first parameter is secret; and what it showed too much (`author`, the host and path
 * before an `@` in the query of a URL with a placeholder port) is shown.
 */
import { describe, expect, test } from "bun:test";
import { startGateway } from "./support/gateway.ts";
import { startApi } from "./support/http-api.ts";
import { kafkaBroker, readTopic, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const NESTED =
  "next=https%3A%2F%2Fu%3As3cret%40h%2Fx&redirect=https%3A%2F%2Fh%2Fcb%3Ftoken%3Ds3cret&body=client_secret%3Ds3cret%26a%3D1";
const NESTED_SHOWN =
  "next=https%3A%2F%2F***%40h%2Fx&redirect=https%3A%2F%2Fh%2Fcb%3Ftoken%3D***&body=client_secret%3D***%26a%3D1";

describe("an HTTP source's http.url in REST answers and logs", () => {
  test("its secrets are hidden, its other parts shown", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    using api = startApi((req) =>
      req.url.pathname === "/events"
        ? Response.json([{ id: "e1", at: "2026-01-01T00:01:00Z" }])
        : new Response("bad request", { status: 400 }),
    );
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "offset.flush.interval.ms": "100" },
    });
    const topic = uniqueTopic("url-masking");
    const query = `author=bob&email=ops@example.com&${NESTED}&code_verifier=s3cret&since=\${offset}`;
    const config = (url: string) => ({
      "connector.class": "HttpSource",
      "http.url": url,
      "kafka.topic": topic,
      "http.timer.interval.ms": "60000",
      "http.response.records.path": "$[*]",
      "http.offset.mode": "TIMESTAMP",
      "http.offset.field": "at",
      "http.initial.offset": "2026-01-01T00:00:00Z",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    });
    const answers: string[] = [];

    // Validation quotes an invalid value in its message (the value itself is echoed as submitted, as
    // Connect does, to the one who submitted it).
    const refused = async (url: string) => {
      const validated = await gw.rest.put("/connector-plugins/HttpSource/config/validate", config(url));
      expect(validated.status).toBe(200);
      const errors: string[] = validated.body.configs.find(
        (c: { value: { name: string } }) => c.value.name === "http.url",
      ).value.errors;
      answers.push(errors.join("\n"));
      return errors;
    };
    expect(await refused("alice:s3 cret@proxy:3128")).toEqual([
      "Invalid value ***@proxy:3128 for configuration http.url: Must be an http or https URL",
    ]);
    // A user info holding a `${` that closes only at `${offset}`; an unclosed `${` before a scheme-less one.
    expect(await refused("ftp://svc:${s3cret@api.example/events?since=${offset}")).toEqual([
      "Invalid value ftp://***@api.example/events?since=${offset} for configuration http.url: Must be an http or https URL",
    ]);
    expect(await refused("${alice:s3cret@proxy:3128")).toEqual([
      "Invalid value ${***@proxy:3128 for configuration http.url: Must be an absolute http or https URL",
    ]);
    expect(await refused(`ftp://h:\${offset}/x?email=a@b.c&author=bob&token=s3cret&${NESTED}`)).toEqual([
      `Invalid value ftp://h:\${offset}/x?email=a@b.c&author=bob&token=***&${NESTED_SHOWN} for configuration http.url: Must be an http or https URL`,
    ]);

    // A source that polls: its partition key (GET …/offsets) and a failing one's trace.
    expect(
      (await gw.rest.post("/connectors", { name: "masked", config: config(`${api.base}/events?${query}`) })).status,
    ).toBe(201);
    expect((await readTopic(topic, 1, 60_000)).length).toBe(1);
    const offsets = async () => (await gw.rest.get("/connectors/masked/offsets")).body.offsets ?? [];
    await waitFor(async () => (await offsets()).length > 0, { what: "the source offset committed" });
    const listed = await gw.rest.get("/connectors/masked/offsets");
    answers.push(listed.text);
    expect(listed.body.offsets[0].partition).toEqual({
      url: `${api.base}/events?author=bob&email=ops@example.com&${NESTED_SHOWN}&code_verifier=***&since=\${offset}`,
    });

    expect(
      (await gw.rest.post("/connectors", { name: "failing", config: config(`${api.base}/refused?${query}`) })).status,
    ).toBe(201);
    const status = async () => (await gw.rest.get("/connectors/failing/status")).body;
    await waitFor(async () => (await status()).tasks?.[0]?.state === "FAILED", {
      what: "the failing source's task FAILED",
    });
    const failed = await gw.rest.get("/connectors/failing/status");
    answers.push(failed.text);
    expect(failed.body.tasks[0].trace).toContain(
      `/refused?author=bob&email=ops@example.com&${NESTED_SHOWN}&code_verifier=***`,
    );

    // The secrets in any spelling (a plain "s3" also occurs in random ids: a cluster id "C7ss32Dx…" once failed this).
    for (const text of [...answers, gw.output()]) expect(text).not.toMatch(/s3(?: |%20|\+)?cret/);
  }, 120_000);
});
