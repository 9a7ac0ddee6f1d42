/**
 * An HTTP connector's URL given through a config provider is shown as its origin and `/…` wherever
 * the gateway shows it (http/shown-url.ts), on the real binary and broker: a webhook URL carrying
 * its secret as a path segment (Slack's `/services/T0/B0/<secret>`) never reaches the log, a task's
 * status trace or the dead letter queue's headers; a literal URL still shows as before. The sink's
 * url holds `${topic}`, so the URL requested is not the provider's value itself (the value the
 * logs hide as a held secret): only this policy keeps its path out. Validation messages quoting
 * such a URL show it so too (secretp4): config/validate answers, the WARN a stored config breaking
 * a validation-only rule logs at start, a start failure's trace and log.
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { offsetKey } from "../src/connectors/http-source/offset-key.ts";
import { startFileProviderGateway } from "./support/gateway.ts";
import { startApi } from "./support/http-api.ts";
import { createTopic, produce, readTopic, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const SECRET = "Xk9hookS3cretSegment";
const LITERAL = "literalHookSegment";

describe("HTTP URLs given through a config provider", () => {
  test("show as their origin and /… in the log, status traces, DLQ headers and REST; literal URLs as before", async () => {
    await using dir = await tempDir();
    // The hook's first hop redirects (307 keeps the body) to the path with `/v2`, which refuses the
    // records quoting the path, as error pages do.
    using api = startApi((req) =>
      req.url.pathname.endsWith("/v2")
        ? new Response(JSON.stringify({ error: "no such channel", path: req.url.pathname }), { status: 400 })
        : new Response(null, { status: 307, headers: { location: `${req.url.pathname}/v2` } }),
    );
    const hook = (segment: string) => `${api.base}/services/T0/B0/${segment}/\${topic}`;
    const secrets = dir.file("hooks.properties");
    writeFileSync(secrets, `slack=${hook(SECRET)}\nsource=${api.base}/api/${SECRET}/events\n`);
    await using gw = await startFileProviderGateway(dir, { "log.level": "DEBUG" });
    const topic = uniqueTopic("url-provider");
    await createTopic(topic);
    await produce(topic, [{ value: JSON.stringify({ n: 1 }) }]);
    const provided = uniqueTopic("url-provider-provided");
    const failing = uniqueTopic("url-provider-failing");
    const literal = uniqueTopic("url-provider-literal");
    const source = uniqueTopic("url-provider-source");
    const sink = (url: string, more: Record<string, string>) => ({
      "connector.class": "HttpSink",
      topics: topic,
      url,
      "consumer.override.auto.offset.reset": "earliest",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
      "sink.retry.max-attempts": "1",
      ...more,
    });
    const dlq = (name: string) => ({
      "errors.tolerance": "all",
      "errors.log.enable": "true",
      "errors.log.include.messages": "true",
      "errors.deadletterqueue.topic.name": `${name}-dlq`,
      "errors.deadletterqueue.topic.replication.factor": "1",
      "errors.deadletterqueue.context.headers.enable": "true",
    });
    for (const [name, config] of [
      [provided, sink(`\${file:${secrets}:slack}`, dlq(provided))],
      // errors.tolerance=none: the refusal fails the task, its trace quoting the request.
      [failing, sink(`\${file:${secrets}:slack}`, {})],
      [literal, sink(hook(LITERAL), dlq(literal))],
      [
        source,
        {
          "connector.class": "HttpSource",
          "http.url": `\${file:${secrets}:source}`,
          "kafka.topic": topic,
          "http.timer.interval.ms": "60000",
          "http.retry.max.attempts": "1",
          "behavior.on.error": "fail",
        },
      ],
    ] as const) {
      const created = await gw.rest.post("/connectors", { name, config });
      expect(created.status).toBe(201);
    }

    const headersOf = async (name: string) => {
      const [dead] = await readTopic(`${name}-dlq`, 1);
      return Object.fromEntries(Object.entries(dead!.headers).map(([k, v]) => [k, String(v)]));
    };
    const providedHeaders = await headersOf(provided);
    const literalHeaders = await headersOf(literal);
    const trace = (name: string) =>
      waitFor(async () => {
        const r = await gw.rest.get(`/connectors/${name}/status`);
        return r.body.tasks?.[0]?.state === "FAILED" ? (r.body.tasks[0].trace as string) : undefined;
      });
    const [failingTrace, sourceTrace] = await Promise.all([trace(failing), trace(source)]);

    expect(providedHeaders["__connect.errors.exception.message"]).toStartWith(
      `HTTP 400 from POST ${api.base}/… after 1 attempt(s)`,
    );
    // The answer's echo of the secret path segment is hidden too.
    expect(providedHeaders["__connect.errors.http.response.body"]).toBe(
      `{"error":"no such channel","path":"/services/T0/B0/[hidden]/${topic}/v2"}`,
    );
    expect(failingTrace).toContain(`HTTP 400 from POST ${api.base}/…`);
    expect(sourceTrace).toContain(`from GET ${api.base}/…`);
    // A literal URL is shown as it was (redactUrl: nothing in it looks like a key).
    expect(literalHeaders["__connect.errors.exception.message"]).toStartWith(
      `HTTP 400 from POST ${api.base}/services/T0/B0/${LITERAL}/${topic} after 1 attempt(s)`,
    );
    // The records did reach the secret URL, redirect and all: only what is shown changed.
    expect(api.seen.some((r) => r.url.pathname === `/services/T0/B0/${SECRET}/${topic}/v2`)).toBe(true);
    expect(api.seen.some((r) => r.url.pathname === `/api/${SECRET}/events`)).toBe(true);

    const rest = await Promise.all(
      [provided, failing, source].flatMap((name) => [
        gw.rest.get(`/connectors/${name}/status`),
        gw.rest.get(`/connectors/${name}`),
        gw.rest.get(`/connectors/${name}/tasks`),
      ]),
    );
    const shown = [JSON.stringify(providedHeaders), failingTrace, sourceTrace, ...rest.map((r) => r.text), gw.output()];
    for (const text of shown) expect(text).not.toContain(SECRET);
    expect(gw.output()).toContain(LITERAL);
  });

  // review urlsecret P2-1: the offsets partition is keyed by the URL with its user info and key-like
  // query values masked, so it is not the provider's value itself (shown as its reference): it
  // showed the path, and so did a stored next page's link. Sent back, such a partition is refused.
  test("GET …/offsets hides the path of a provider's http.url in the partition and page_link; PATCH refuses them", async () => {
    await using dir = await tempDir();
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The first page links to another path, whose page links to a third that answers once released:
    // the state of the poll between pages (the second page's link) is stored.
    using api = startApi(async (req) => {
      if (req.url.pathname.endsWith("/page3")) {
        await released;
        return Response.json([]);
      }
      const next = req.url.pathname.endsWith("/page2") ? "page3" : "page2";
      return Response.json([{ n: 1 }], { headers: { link: `</api/${SECRET}/${next}>; rel="next"` } });
    });
    const withQuery = `${api.base}/api/${SECRET}/events?api_key=k3yValueNotShown`;
    const withUser = `${api.base.replace("://", "://reader:pa55wordNotShown@")}/api/${SECRET}/users`;
    const secrets = dir.file("source.properties");
    writeFileSync(secrets, `query=${withQuery}\nuser=${withUser}\n`);
    await using gw = await startFileProviderGateway(dir, { "offset.flush.interval.ms": "200" });
    const topic = uniqueTopic("url-provider-offsets");
    await createTopic(topic);
    const cases = [
      { name: uniqueTopic("url-provider-query"), key: "query", url: `${api.base}[hidden]?api_key=***` },
      { name: uniqueTopic("url-provider-user"), key: "user", url: `${api.base.replace("://", "://***@")}[hidden]` },
    ];
    for (const { name, key } of cases) {
      const config = {
        "connector.class": "HttpSource",
        "http.url": `\${file:${secrets}:${key}}`,
        "kafka.topic": topic,
        "http.timer.interval.ms": "60000",
        "http.response.records.path": "$[*]",
        "http.pagination.type": "LINK_HEADER",
      };
      expect((await gw.rest.post("/connectors", { name, config })).status).toBe(201);
    }
    const read = await Promise.all(
      cases.map(({ name }) =>
        waitFor(async () => {
          const r = await gw.rest.get(`/connectors/${name}/offsets`);
          return r.body.offsets?.[0]?.offset?.page_link !== undefined ? r : undefined;
        }),
      ),
    );
    expect(
      read.map((r) =>
        r.body.offsets.map((o: { partition: unknown; offset: { page_link: unknown } }) => [
          o.partition,
          o.offset.page_link,
        ]),
      ),
    ).toEqual(cases.map(({ url }) => [[{ url }, "/api/[hidden]/page2"]]));
    for (const r of read) expect(r.text).not.toContain(SECRET);

    release();
    for (const [i, { name }] of cases.entries()) {
      expect((await gw.rest.put(`/connectors/${name}/stop`)).status).toBe(204);
      await waitFor(async () => (await gw.rest.get(`/connectors/${name}/status`)).body.connector.state === "STOPPED");
      // Pasted back as read, the partition would be one the task never reads.
      const patched = await gw.rest.patch(`/connectors/${name}/offsets`, { offsets: read[i]!.body.offsets });
      expect({ status: patched.status, message: patched.body.message }).toEqual({
        status: 500,
        message:
          "A partition's 'url' or a value of its offset holds [hidden]: GET /connectors/{name}/offsets hides what came through a config provider (the path of an http.url given so), so what it shows is not what the task stored. To reset this connector's offsets, use DELETE /connectors/{name}/offsets",
      });
    }
    expect(gw.output()).not.toContain(SECRET);
  });

  // secretp4: the sink's token endpoint rule quoted the value through redactUrl (path included),
  // and so did the url keys' own validators; the log hides a provider's value only where it is
  // quoted as resolved, which a URL with user info (masked in the message) is not.
  test("an invalid URL from a provider shows its origin only in validation messages, the start WARN and a failed start", async () => {
    await using dir = await tempDir();
    const secrets = dir.file("idp.properties");
    const valid = `http://127.0.0.1:9/oauth2/${SECRET}/token`;
    const invalid = `ftp://client:pa55@idp.example:2121/oauth2/${SECRET}/token`;
    const shown = "ftp://idp.example:2121/…";
    const keys = ["token", "sink", "source"];
    const write = (url: string) => writeFileSync(secrets, keys.map((k) => `${k}=${url}\n`).join(""));
    write(valid);
    await using gw = await startFileProviderGateway(dir);
    const topic = uniqueTopic("url-provider-invalid");
    await createTopic(topic);
    const ref = (k: string) => `\${file:${secrets}:${k}}`;
    const sink = (more: Record<string, string>) => ({
      "connector.class": "HttpSink",
      topics: topic,
      url: "http://127.0.0.1:9/hook",
      ...more,
    });
    const oidc = (url: string) => ({
      "security.oidc.token.request": "grant_type=client_credentials",
      "security.oidc.token.endpoint.url": url,
    });
    const source = {
      "connector.class": "HttpSource",
      "kafka.topic": topic,
      "http.url": ref("source"),
      "http.timer.interval.ms": "600000",
    };
    const configs = {
      [`${topic}-token`]: sink(oidc(ref("token"))),
      [`${topic}-sink`]: sink({ url: ref("sink") }),
      [`${topic}-source`]: source,
    };
    for (const [name, config] of Object.entries(configs))
      expect((await gw.rest.post("/connectors", { name, config })).status).toBe(201);
    // Started on the valid value, so the restarts below resolve the new one.
    for (const name of Object.keys(configs))
      await waitFor(async () =>
        (await gw.rest.get(`/connectors/${name}/status`)).body.tasks?.[0]?.state === "RUNNING" ? true : undefined,
      );

    write(invalid);
    /** Every REST answer read: none may show the path. */
    const texts: string[] = [];
    const validate = async (plugin: string, config: Record<string, string>, key: string) => {
      const r = await gw.rest.put(`/connector-plugins/${plugin}/config/validate`, { name: "v", ...config });
      // The value is echoed as submitted, as Connect does, to its submitter: the rest of the answer is checked.
      texts.push(r.text.replace(`"value":${JSON.stringify(config[key])}`, '"value":"(as submitted)"'));
      return r.body.configs.find((c: { value: { name: string } }) => c.value.name === key).value.errors;
    };
    const literal = "ftp://idp.example:2121/oauth2/literalTokenSegment/token";
    expect({
      token: await validate("HttpSink", sink(oidc(ref("token"))), "security.oidc.token.endpoint.url"),
      literal: await validate("HttpSink", sink(oidc(literal)), "security.oidc.token.endpoint.url"),
      sink: await validate("HttpSink", sink({ url: ref("sink") }), "url"),
      source: await validate("HttpSource", source, "http.url"),
    }).toEqual({
      token: [
        `Invalid value ${shown} for configuration security.oidc.token.endpoint.url: The URL must use http or https`,
      ],
      // A literal URL shows as before (redactUrl: nothing in it looks like a key).
      literal: [
        `Invalid value ${literal} for configuration security.oidc.token.endpoint.url: The URL must use http or https`,
      ],
      sink: [`Invalid value ${shown} for configuration url: The URL must use http or https`],
      source: [`Invalid value ${shown} for configuration http.url: Must be an http or https URL`],
    });

    // A task restarted alone resolves the new value: the sink's task fails its start.
    expect((await gw.rest.post(`/connectors/${topic}-sink/tasks/0/restart`)).status).toBe(204);
    const taskTrace = await waitFor(async () => {
      const r = await gw.rest.get(`/connectors/${topic}-sink/status`);
      texts.push(r.text);
      return r.body.tasks?.[0]?.state === "FAILED" ? (r.body.tasks[0].trace as string) : undefined;
    });
    expect(taskTrace).toContain(`Invalid value ${shown} for configuration url: The URL must use http or https`);
    // A PUT over an existing connector is validated first: refused, with the message as validation shows it.
    const put = await gw.rest.put(`/connectors/${topic}-token/config`, {
      ...configs[`${topic}-token`],
      "sink.retry.max-attempts": "2",
    });
    texts.push(put.text);
    expect({ status: put.status, message: put.body.message }).toEqual({
      status: 400,
      message: expect.stringContaining(
        `Invalid value ${shown} for configuration security.oidc.token.endpoint.url: The URL must use http or https`,
      ),
    });

    // Restarted, each resolves the provider's new value: the stored token URL breaks a
    // validation-only rule (a WARN, and it runs), the url keys fail their connector's start.
    for (const name of Object.keys(configs))
      expect((await gw.rest.post(`/connectors/${name}/restart?includeTasks=true`)).status).toBe(202);
    const [warning] = await gw.waitForOutput(
      new RegExp(`WARN .*Connector ${topic}-token: security\\.oidc\\.token\\.endpoint\\.url runs as before.*`),
    );
    expect(warning).toContain(
      `Invalid value ${shown} for configuration security.oidc.token.endpoint.url: The URL must use http or https`,
    );
    const traces = await Promise.all(
      [`${topic}-sink`, `${topic}-source`].map((name) =>
        waitFor(async () => {
          const r = await gw.rest.get(`/connectors/${name}/status`);
          texts.push(r.text);
          return r.body.connector?.state === "FAILED" ? (r.body.connector.trace as string) : undefined;
        }),
      ),
    );
    expect(traces.map((trace) => trace.split("\n", 1)[0])).toEqual([
      `org.apache.kafka.common.config.ConfigException: Invalid value ${shown} for configuration url: The URL must use http or https`,
      `org.apache.kafka.common.config.ConfigException: Invalid value ${shown} for configuration http.url: Must be an http or https URL`,
    ]);
    await gw.waitForOutput(new RegExp(`Connector ${topic}-source failed`));
    for (const name of Object.keys(configs)) texts.push((await gw.rest.get(`/connectors/${name}/status`)).text);
    for (const text of [...texts, gw.output()]) expect(text).not.toContain(SECRET);
    expect(gw.output()).toContain(`Invalid value ${shown} for configuration http.url`);
  });

  // secretp5: a literal `${a:b}` (no provider of that name) is left as written, as Connect's
  // ConfigTransformer leaves it: the URL is the user's own text, quoted whole with the unknown
  // placeholder named; a provider's URL holding one still shows its origin only and names none.
  test("a literal URL holding ${a:b} is quoted whole in config/validate and a PUT's 400 (a placeholder its quoted form hides unnamed); a provider's as its origin", async () => {
    await using dir = await tempDir();
    const secrets = dir.file("hooks.properties");
    writeFileSync(secrets, `hook=http://127.0.0.1:9/hooks/\${${SECRET}}/in\n`);
    await using gw = await startFileProviderGateway(dir);
    const literalUrl = "http://127.0.0.1:9/hooks/${vault:team}/in";
    const sink = (url: string) => ({ "connector.class": "HttpSink", topics: "t", url });
    const literalReason = "Unknown placeholder ${vault:team} in the URL; use ${topic}, ${partition} or ${key}";
    const literal = `Invalid value ${literalUrl} for configuration url: ${literalReason}`;
    const provided =
      "Invalid value http://127.0.0.1:9/… for configuration url: Unknown placeholder in the URL; use ${topic}, ${partition} or ${key}";
    const texts: string[] = [];
    const validate = async (plugin: string, config: Record<string, string>, key: string) => {
      const r = await gw.rest.put(`/connector-plugins/${plugin}/config/validate`, { name: "v", ...config });
      // The value is echoed as submitted, as Connect does, to its submitter: the rest of the answer is checked.
      texts.push(r.text.replace(`"value":${JSON.stringify(config[key])}`, '"value":"(as submitted)"'));
      return r.body.configs.find((c: { value: { name: string } }) => c.value.name === key).value.errors;
    };
    const put = async (name: string, config: Record<string, string>) => {
      const r = await gw.rest.put(`/connectors/${name}/config`, config);
      texts.push(r.text);
      return { status: r.status, message: r.body.message };
    };
    // secretp5-b P2-1: a placeholder inside a key-like query value the quoted URL hides was named.
    const hiddenUrl = `http://127.0.0.1:9/in?api_key=Ab\${${SECRET}}Cd`;
    const hidden =
      "Invalid value http://127.0.0.1:9/in?api_key=*** for configuration url: Unknown placeholder in the URL; use ${topic}, ${partition} or ${key}";
    const sourceUrl = "ftp://idp.example:2121/api/${vault:team}/events";
    const source = { "connector.class": "HttpSource", "kafka.topic": "t", "http.url": sourceUrl };
    expect({
      literal: await validate("HttpSink", sink(literalUrl), "url"),
      provided: await validate("HttpSink", sink(`\${file:${secrets}:hook}`), "url"),
      source: await validate("HttpSource", source, "http.url"),
      literalPut: await put("literal-hook", sink(literalUrl)),
      providedPut: await put("provided-hook", sink(`\${file:${secrets}:hook}`)),
      hidden: await validate("HttpSink", sink(hiddenUrl), "url"),
      hiddenPut: await put("hidden-hook", sink(hiddenUrl)),
    }).toEqual({
      literal: [literal],
      provided: [provided],
      source: [`Invalid value ${sourceUrl} for configuration http.url: Must be an http or https URL`],
      literalPut: { status: 400, message: expect.stringContaining(literal) },
      providedPut: { status: 400, message: expect.stringContaining(provided) },
      hidden: [hidden],
      hiddenPut: { status: 400, message: expect.stringContaining(hidden) },
    });

    // A running task's messages quote it as written too (its task context's providedKeys).
    using api = startApi(() => new Response("no such team", { status: 400 }));
    const running = uniqueTopic("url-literal-placeholder");
    await createTopic(running);
    const config = {
      "connector.class": "HttpSource",
      "kafka.topic": running,
      "http.url": `${api.base}/api/\${vault:team}/events`,
      "http.timer.interval.ms": "60000",
      "http.retry.max.attempts": "1",
      "behavior.on.error": "fail",
    };
    expect((await gw.rest.post("/connectors", { name: running, config })).status).toBe(201);
    const trace = await waitFor(async () => {
      const r = await gw.rest.get(`/connectors/${running}/status`);
      return r.body.tasks?.[0]?.state === "FAILED" ? (r.body.tasks[0].trace as string) : undefined;
    });
    expect(trace).toContain(`from GET ${api.base}/api/$%7Bvault:team%7D/events`);
    for (const text of [...texts, gw.output()]) expect(text).not.toContain(SECRET);
  });

  // secretp5-b P3-4: PATCH …/offsets skipped the partition check for any http.url holding `${…}`,
  // though the task reads one no provider resolved as written (its partition that URL's key).
  test("PATCH …/offsets checks the partition of a literal URL holding ${a:b}; not of a provider's URL", async () => {
    await using dir = await tempDir();
    const secrets = dir.file("source.properties");
    writeFileSync(secrets, `url=http://127.0.0.1:9/api/${SECRET}/events\n`);
    await using gw = await startFileProviderGateway(dir);
    const literalUrl = "http://127.0.0.1:9/api/${vault:team}/events";
    const patch = async (name: string, url: string) => {
      const r = await gw.rest.patch(`/connectors/${name}/offsets`, {
        offsets: [{ partition: { url }, offset: { offset: "5" } }],
      });
      return { status: r.status, message: r.body.message };
    };
    for (const [name, url] of [
      ["literal-team", literalUrl],
      ["provided-team", `\${file:${secrets}:url}`],
    ] as const) {
      const config = { "connector.class": "HttpSource", "kafka.topic": "t", "http.url": url };
      expect((await gw.rest.post("/connectors", { name, config, initial_state: "STOPPED" })).status).toBe(201);
    }
    const refusal = "Partition objects should contain the key 'url' with the connector's URL";
    expect({
      literalOther: await patch("literal-team", "http://other.example/events"),
      literalOwn: await patch("literal-team", offsetKey(literalUrl)),
      providedOther: await patch("provided-team", "http://other.example/events"),
    }).toEqual({
      literalOther: { status: 500, message: refusal },
      literalOwn: { status: 200, message: expect.any(String) },
      providedOther: { status: 200, message: expect.any(String) },
    });
    expect(gw.output()).not.toContain(SECRET);
  });
});
