import { describe, expect, test } from "bun:test";
import { clientCases, wholeTokenCases } from "../../test/support/whole-token-cases.ts";
import { EnvVarConfigProvider } from "../config-providers/env-var-config-provider.ts";
import { ConnectorClientConfigOverridePolicy } from "../connector-client-config-override-policy.ts";
import { builtInRegistry } from "../plugins.ts";
import { HIDDEN, LogManager } from "../util/logger.ts";
import { ResolvedSecrets } from "../util/resolved-secrets.ts";
import { KEY } from "../util/secret-index.ts";
import { ConfigValidator } from "./config-validator.ts";
import {
  heldResolution,
  ReportedValues,
  type ResolveConfig,
  ResolvedValues,
  resolvingWith,
} from "./resolved-values.ts";
import { configErrorMessage } from "./validate-connector-config.ts";

const logs = new LogManager({ sink: () => {} });
const env = new EnvVarConfigProvider(
  { ALIASES: "ab,leaked-alias", SHORT: "xy", TOPIC: "secret-topic", CLS: "FileStreamSource" },
  logs.get("env"),
);
env.configure({});
const providers = new Map([["env", env]]);
const resolver = resolvingWith(providers);

describe("ResolvedValues", () => {
  test("shows the reference for a whole value, hides long values anywhere and short ones standing alone", async () => {
    const { values } = await ResolvedValues.resolve(
      { topic: "${env:TOPIC}", transforms: "${env:ALIASES}", batch: "${env:SHORT}" },
      resolver,
    );
    expect(values.hide("secret-topic")).toBe("${env:TOPIC}");
    expect(values.hide("/data/secret-topic.txt")).toBe("/data/[hidden].txt");
    expect(values.hide('Missing required configuration "transforms.ab.type"')).toBe(
      'Missing required configuration "transforms.[hidden].type"',
    );
    expect(values.hide("Transforms: leaked-alias")).toBe("Transforms: [hidden]");
    // Short values inside words are ordinary text.
    expect(values.hide("table xylophone")).toBe("table xylophone");
    expect(values.hide("value xy is bad")).toBe("value [hidden] is bad");
    expect(values.redaction((text) => text, { references: true }).hideLong("value xy is bad for secret-topic")).toBe(
      "value xy is bad for [hidden]",
    );
    expect(values.hideDeep<unknown>({ partition: { "secret-topic": ["xy", 1] } })).toEqual({
      partition: { "${env:TOPIC}": ["${env:SHORT}", 1] },
    });
  });

  // review-secrets5 P2-1: hidden by the logs' threshold, a 4-7 character value showed wherever a
  // message quoted only part of a value composed around it (`password s3crx9 refused`); a client's
  // own answer hides it anywhere (KEY), 1-3 character ones as whole tokens.
  test("hides each value where the rule says with ResolvedValues' threshold (test/support/whole-token-cases.ts)", () => {
    const shown = wholeTokenCases.map(({ secret, text }) => ({
      secret,
      text,
      shown: ResolvedValues.from({}, {}, [secret]).hide(text),
    }));
    expect(shown).toEqual(clientCases());
  });

  test("a value of 4 characters or more quoted in part of a composed value is hidden (review-secrets5 P2-1)", async () => {
    const pw = new EnvVarConfigProvider({ PW: "s3cr" }, logs.get("env"));
    pw.configure({});
    const { values } = await ResolvedValues.resolve(
      { topic: "http://db/app?password=${env:PW}x9" },
      resolvingWith(new Map([["env", pw]])),
    );
    expect(values.hide("query parameter s3crx9 refused")).toBe("query parameter [hidden]x9 refused");
  });

  // review-secrets6 P2-2: a provider value with a comma is not always a list; its pieces hidden
  // inside words mangled key names (`connection.pass[hidden]`) and told that `word` is in the password.
  test("the elements of a provider value with a comma are hidden as whole tokens, the value itself anywhere", async () => {
    const pw = new EnvVarConfigProvider({ PW: "Pa55,word" }, logs.get("env"));
    pw.configure({});
    const { values } = await ResolvedValues.resolve(
      { "connection.password": "${env:PW}" },
      resolvingWith(new Map([["env", pw]])),
    );
    const { hide, hideLong } = values.redaction((t) => t, { references: false });
    const missing = 'Missing required configuration "connection.password" has no default';
    expect(hideLong(missing)).toBe(missing);
    expect(hide("connection.password: at least 12 characters (a keyword)")).toBe(
      "connection.password: at least 12 characters (a keyword)",
    );
    expect(hide("password Pa55,word refused; word Pa55 alone; xPa55,wordx")).toBe(
      "password [hidden] refused; [hidden] [hidden] alone; x[hidden]x",
    );
  });

  test("hideLong hides the values of KEY characters or more as hide does, and no shorter one", () => {
    const shown = wholeTokenCases.map(({ secret, text }) => {
      const { hideLong } = ResolvedValues.from({}, {}, [secret]).redaction((t) => t, { references: false });
      return { secret, text, shown: hideLong(text) };
    });
    expect(shown).toEqual(clientCases().map((c) => (c.secret.length < KEY ? { ...c, shown: c.text } : c)));
  });

  // explore25 F1/F3: a task's trace quoted a value as an endpoint's JSON echo or a URL had it.
  test("a value is hidden JSON-escaped and percent-encoded too, in hide and hideLong", () => {
    const values = ResolvedValues.from({}, {}, ['SECRET-Q"UOTE/57', "SECRET SP67"]);
    const { hide, hideLong } = values.redaction((t) => t, { references: false });
    const text = 'echo {"k":"SECRET-Q\\"UOTE\\/57"} from GET http://h/s400/SECRET%20SP67/x';
    const shown = 'echo {"k":"[hidden]"} from GET http://h/s400/[hidden]/x';
    expect([values.hide(text), hide(text), hideLong(text)]).toEqual([shown, shown, shown]);
  });

  // review P2-2: the threshold applied to each form, so a value `ä` hid `\u00e4` inside words.
  test("a value under KEY characters is not hidden in its escaped forms", () => {
    const values = ResolvedValues.from({}, {}, ["ä", "a b"]);
    const { hide, hideLong } = values.redaction((t) => t, { references: false });
    for (const text of ["Invalid value J\\u00e4ger", "GET /s?q=a%20b"]) {
      expect([hide(text), hideLong(text)]).toEqual([text, text]);
    }
  });

  // explore25 F2: Connect's ConfigDef trims STRING values, so a message quotes a value read with its newline trimmed.
  test("a value with surrounding white space is hidden trimmed too", () => {
    const values = ResolvedValues.from({}, {}, ["SECRET-NL56\n", " pad "]);
    expect(values.hide("Invalid value SECRET-NL56 for configuration k; pad")).toBe(
      "Invalid value [hidden] for configuration k; [hidden]",
    );
  });

  // secretcompose: a short value the config glues to its own letters (`password=xyx9`, `kxy`) is
  // no whole token, so the rule left it in clear; the composed value is one value, whole.
  test("a value composed around a reference is hidden whole and shown as its raw text; the config's own list elements are not", async () => {
    const { values } = await ResolvedValues.resolve(
      { url: "jdbc:pg://db/app?password=${env:SHORT}x9", topics: "audit,${env:TOPIC}", header: "k${env:SHORT}" },
      resolver,
    );
    expect(values.hide("jdbc:pg://db/app?password=xyx9")).toBe("jdbc:pg://db/app?password=${env:SHORT}x9");
    expect(values.hide("refused jdbc:pg://db/app?password=xyx9 (401)")).toBe("refused [hidden] (401)");
    expect(values.hide("header kxy sent")).toBe("header [hidden] sent");
    expect(values.hide("audit,secret-topic")).toBe("audit,${env:TOPIC}");
    expect(values.hide("topics audit,secret-topic; topic audit")).toBe("topics [hidden]; topic audit");
    expect(values.revealDeep<unknown>({ p: "k${env:SHORT}" })).toEqual({ p: "kxy" });
    // An element of a list glued to a resolved value (an active topic) is a value too.
    const list = await ResolvedValues.resolve({ topics: "${env:SHORT}orders, audit" }, resolver);
    expect(["xyorders", "audit", "xyorders, audit"].map((t) => list.values.hide(t))).toEqual([
      "[hidden]",
      "audit",
      "${env:SHORT}orders, audit",
    ]);
  });

  test("revealDeep turns references a client sends back into the values they stand for", async () => {
    const { values } = await ResolvedValues.resolve({ topic: "${env:TOPIC}", other: "x-${env:SHORT}" }, resolver);
    expect(values.revealDeep<unknown>([{ partition: { kafka_topic: "${env:TOPIC}", other: "${env:SHORT}" } }])).toEqual(
      [{ partition: { kafka_topic: "secret-topic", other: "${env:SHORT}" } }],
    );
  });

  test("redaction: the held secrets first, then the values; only validation shows a whole value's reference", async () => {
    const { values } = await ResolvedValues.resolve({ topic: "${env:TOPIC}" }, resolver);
    const held = new LogManager({ sink: () => {} });
    held.holdSecrets(["secret-topic-Pa55w0rd"]);
    const redact = (text: string) => held.redact(text);
    const validation = values.redaction(redact, { references: true });
    const trace = values.redaction(redact, { references: false });
    for (const { hide } of [validation, trace])
      expect(hide("secret-topic in secret-topic-Pa55w0rd")).toBe("[hidden] in [hidden]");
    expect(validation.hide("secret-topic")).toBe("${env:TOPIC}");
    expect(trace.hide("secret-topic")).toBe("[hidden]");
  });

  // review urlsecret P2-1: GET …/offsets showed the path of a provider's http.url in the partition
  // keyed by it with its query masked, and in a stored next page's link.
  test("a URL value's path is hidden in texts made from it: its key with the query masked, a link to the next page", () => {
    const url = "https://api.example/v1/Xk9pathS3cretSegment/events?api_key=k3yValue";
    const values = ResolvedValues.from({ "http.url": "${file:/s:u}" }, { "http.url": url }, [url]);
    expect(values.hide(url)).toBe("${file:/s:u}");
    expect(
      values.hideDeep<unknown>({
        partition: { url: "https://api.example/v1/Xk9pathS3cretSegment/events?api_key=***" },
        offset: { page_link: "https://api.example/v1/Xk9pathS3cretSegment/page2?after=7" },
      }),
    ).toEqual({
      partition: { url: "https://api.example[hidden]?api_key=***" },
      offset: { page_link: "https://api.example/v1/[hidden]/page2?after=7" },
    });
    // So does a status trace quoting it (redaction).
    expect(
      values
        .redaction((text) => text, { references: false })
        .hide("GET https://api.example/v1/Xk9pathS3cretSegment/events failed"),
    ).toBe("GET https://api.example[hidden] failed");
  });

  test("a config without provider values hides nothing", () => {
    expect(ResolvedValues.from({ a: "b" }, { a: "b" }, []).hide("b")).toBe("b");
  });
});

describe("ConfigValidator with resolved values", () => {
  const validator = new ConfigValidator(builtInRegistry(), logs, resolver, ConnectorClientConfigOverridePolicy.ALL);

  test("a short resolved value does not blank out what the client sent elsewhere", async () => {
    const infos = await validator.validate({
      "connector.class": "FileStreamSource",
      name: "v",
      topic: "xy",
      "batch.size": "${env:SHORT}",
    });
    const value = (name: string) => infos.configs.find((c) => c.value?.name === name)?.value;
    expect(value("topic")?.value).toBe("xy");
    // A value that does not parse is null, as Connect shows it (test/config-providers-recorded.test.ts).
    expect(value("batch.size")).toMatchObject({
      value: null,
      errors: ["Invalid value [hidden] for configuration batch.size: Not a number of type INT"],
    });
  });

  test("key names, group names and messages derived from a resolved transforms list never show it", async () => {
    const infos = await validator.validate({
      "connector.class": "${env:CLS}",
      name: "v",
      topic: "${env:TOPIC}",
      transforms: "${env:ALIASES}",
    });
    const text = JSON.stringify(infos);
    for (const secret of ["leaked-alias", "secret-topic", '"ab"', ".ab.", ": ab"]) expect(text).not.toContain(secret);
    expect(infos.name).toBe("${env:CLS}");
    expect(infos.groups).toContain("Transforms: [hidden]");
    expect(infos.configs.find((c) => c.value?.name === "topic")?.value?.value).toBe("${env:TOPIC}");
    expect(configErrorMessage(infos)).toContain(
      'Missing required configuration "transforms.[hidden].type" which has no default value.',
    );
  });
});

test("heldResolution: a value resolved after the operation ended (a provider past validation's timeout) is not held", async () => {
  const holder = new LogManager({ sink: () => {} });
  let answer: () => void = () => {};
  const late: ResolveConfig = (config, onValue) =>
    new Promise((resolve) => {
      answer = () => {
        onValue?.("/late-resolved-path");
        resolve(config);
      };
    });
  const resolution = heldResolution(holder, late);
  const resolving = resolution.resolveConfig({ "ingest.path": "${file:/fifo:path}" });
  resolution.release();
  answer();
  await resolving;
  // Held by nobody: it was hidden from the logs for good (one more per late answer).
  expect(holder.secretCount).toBe(0);
});

// review-secrets5 P2-2: REST hid each element of a provider-resolved list; the logs held the whole
// value only, so a log line naming one topic of `topics=${env:T}` showed it.
describe("the logs hold a provider-resolved list's elements", () => {
  const lists = new EnvVarConfigProvider({ T: "secret-topic-a,secret-topic-b" }, logs.get("env"));
  lists.configure({});
  const line = "Subscribed to topic(s): secret-topic-a, secret-topic-b";
  const shown = "Subscribed to topic(s): [hidden], [hidden]";

  test("while an operation holds them (heldResolution), as its REST answer hides them", async () => {
    const held = new LogManager({ sink: () => {} });
    const resolution = heldResolution(held, resolvingWith(new Map([["env", lists]])));
    const { values } = await ResolvedValues.resolve({ topics: "${env:T}" }, resolution.resolveConfig);
    expect([held.redact(line), values.hide(line)]).toEqual([shown, shown]);
    resolution.release();
    expect(held.redact(line)).toBe(line);
  });

  test("while what runs holds them (ReportedValues.all), and in the history of resolved values", async () => {
    const held = new LogManager({ sink: () => {} });
    const history = new ResolvedSecrets(held);
    const reported = new ReportedValues();
    const resolve = resolvingWith(new Map([["env", lists]]), (v, r, resolved) => history.remember(r, v, resolved));
    await resolve({ topics: "${env:T}", other: "audit,${env:T}" }, reported.onValue);
    expect(reported.all.sort()).toEqual([
      "audit,secret-topic-a,secret-topic-b",
      "secret-topic-a",
      "secret-topic-a,secret-topic-b",
      "secret-topic-b",
    ]);
    expect(held.redact(`${line}; audit`)).toBe(`${shown}; audit`);
  });
});

// review-secrets6 P3-4: a blank resolved part made `orders ` a secret: `orders topic` showed `[hidden]topic`.
test("a value whose references resolved to white space only keeps the config's own text readable in the logs", async () => {
  const held = new LogManager({ sink: () => {} });
  const blank = new EnvVarConfigProvider({ S: " " }, logs.get("env"));
  blank.configure({});
  const resolution = heldResolution(held, resolvingWith(new Map([["env", blank]])));
  await resolution.resolveConfig({ topic: "orders${env:S}" });
  expect(held.redact("orders topic")).toBe("orders topic");
  resolution.release();
});

// review-secrets5 P2-3: a value composed around a reference reports itself and each glued element
// under its raw text; with 9 elements the history's 8 per reference released the first at once.
test("the history keeps every value one resolution reports, however many", async () => {
  const held = new LogManager({ sink: () => {} });
  const history = new ResolvedSecrets(held);
  const p = new EnvVarConfigProvider({ P: "pz9q" }, logs.get("env"));
  p.configure({});
  const resolve = resolvingWith(new Map([["env", p]]), (v, r, resolved) => history.remember(r, v, resolved));
  await resolve({ topics: Array.from({ length: 9 }, (_, i) => `\${env:P}t${i}`).join(",") });
  expect(held.redact("topic pz9qt0 failed, pz9qt8 too")).toBe(`topic ${HIDDEN} failed, ${HIDDEN} too`);
});

// opswalk-c P3-5: heldResolution dropped the third argument, so a held resolution reported no unresolved reference.
test("heldResolution passes each unresolved reference's config key on", async () => {
  const unresolved: string[] = [];
  const resolution = heldResolution(new LogManager({ sink: () => {} }), resolver);
  await resolution.resolveConfig({ "ingest.path": "${env:NOT_SET}" }, undefined, (key) => unresolved.push(key));
  resolution.release();
  expect(unresolved).toEqual(["ingest.path"]);
});
