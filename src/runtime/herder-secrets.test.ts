/**
 * Herder views of a connector whose config holds provider references (issue 13): task configs
 * store references instead of resolved values, active topics and offsets show references.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { Config } from "../api/connector.ts";
import { EnvVarConfigProvider } from "../config-providers/env-var-config-provider.ts";
import { ConnectError } from "../errors.ts";
import { LogManager } from "../util/logger.ts";
import { type InProcessWorker, inProcessWorker, SCRIPTED_SINK, SCRIPTED_SOURCE } from "./herder-test-support.ts";
import { resolvingWith } from "./resolved-values.ts";

const env = new EnvVarConfigProvider(
  {
    TOKEN: "tok-3x4mple",
    TOPIC: "secret-topic",
    SHORT: "xy",
    WORD: "hidden",
    STORE: "store",
    GLUED: "k7pq2",
    PW: "s3cr",
    TOPICS: "secret-topic-a,secret-topic-b",
    COMMA_PW: "Pa55,word",
    SINK_CLASS: SCRIPTED_SINK,
  },
  new LogManager().get("env"),
);
env.configure({});
const resolver = resolvingWith(new Map([["env", env]]));

describe("Herder with provider references", () => {
  test("a task config value that is exactly a resolved value is stored as its reference", async () => {
    await using w = await inProcessWorker({ resolveConfig: resolver });
    let seen: Config = {};
    w.scripted.script = {
      start: (config) => {
        seen = config;
      },
      // The connector hands the resolved token to its tasks under another key, and a literal.
      taskConfigs: () => [{ "task.token": seen["auth.token"]!, "task.note": "plain" }],
    };
    const created = await w.rest("POST", "/connectors", {
      name: "c",
      config: { "connector.class": SCRIPTED_SOURCE, "auth.type": "BEARER", "auth.token": "${env:TOKEN}" },
    });
    expect(created.status).toBe(201);
    const tasks = await waitFor(async () => {
      const r = await w.rest("GET", "/connectors/c/tasks");
      return r.body.length > 0 ? r.body : undefined;
    });
    expect(seen["auth.token"]).toBe("tok-3x4mple");
    expect(tasks[0].config).toMatchObject({ "task.token": "${env:TOKEN}", "task.note": "plain" });
    expect(JSON.stringify(w.configs.get("c"))).not.toContain("tok-3x4mple");
  });

  // diffhunt11 review P2-2: the type was read from the stored class, "unknown" for a reference, so a sink's
  // task configs lacked the topics its tasks subscribe to.
  test("a sink whose connector.class is a reference has its topics in its task configs", async () => {
    await using w = await inProcessWorker({ resolveConfig: resolver });
    const config = { "connector.class": "${env:SINK_CLASS}", topics: "t" };
    expect((await w.rest("PUT", "/connectors/c/config", config)).status).toBe(201);
    const tasks = await waitFor(async () => {
      const r = await w.rest("GET", "/connectors/c/tasks");
      return r.body.length > 0 ? r.body : undefined;
    });
    expect(tasks[0].config).toMatchObject({ topics: "t" });
  });

  test("active topics show the reference of the topic key", async () => {
    await using w = await inProcessWorker({ resolveConfig: resolver });
    w.herder.recordActiveTopic("c", "secret-topic");
    expect(
      (
        await w.rest("POST", "/connectors", {
          name: "c",
          config: { "connector.class": SCRIPTED_SOURCE, topic: "${env:TOPIC}" },
        })
      ).status,
    ).toBe(201);
    w.herder.recordActiveTopic("c", "secret-topic");
    expect((await w.rest("GET", "/connectors/c/topics")).body).toEqual({ c: { topics: ["${env:TOPIC}"] } });
  });

  test("a resolved client override value that does not parse is hidden in Connect's 500, however short", async () => {
    await using w = await inProcessWorker({ resolveConfig: resolver });
    const config = { "connector.class": SCRIPTED_SOURCE, "producer.override.linger.ms": "${env:SHORT}" };
    const validated = await w.rest("PUT", `/connector-plugins/${SCRIPTED_SOURCE}/config/validate`, config);
    expect(validated).toEqual({
      status: 500,
      body: {
        error_code: 500,
        message:
          "org.apache.kafka.common.config.ConfigException: Invalid value [hidden] for configuration linger.ms: Not a number of type LONG",
      },
    });
    const created = await w.rest("POST", "/connectors", { name: "c", config });
    expect(created.status).toBe(500);
    expect(created.body.message).toBe("Invalid value [hidden] for configuration linger.ms: Not a number of type LONG");
  });

  // Connect prints the whole map here, secrets and resolved values in clear.
  test("a config without connector.class is printed with its secrets and resolved values hidden", async () => {
    await using w = await inProcessWorker({ resolveConfig: resolver });
    const config = {
      name: "c",
      "http.auth.password": "pw9",
      "producer.override.sasl.jaas.config": 'PlainLoginModule required username="u" password="jaas-pw";',
      topic: "${env:TOPIC}",
      short: "${env:SHORT}",
    };
    const created = await w.rest("PUT", "/connectors/c/config", config);
    expect(created).toEqual({
      status: 400,
      body: {
        error_code: 400,
        message:
          "Connector config {name=c, producer.override.sasl.jaas.config=[hidden], topic=[hidden], short=[hidden], http.auth.password=[hidden]} contains no connector type",
      },
    });
  });
  // A connector's own rule may quote another key's value in a message on the key the client typed:
  // the client's literal shown as typed (ingestp5) must not cut a resolved value containing it into
  // pieces too short or too partial to be hidden (review62: "3x4" typed showed tok-3x4mple whole).
  test("a message on a typed literal quoting a resolved value that contains it hides that value", async () => {
    await using w = await inProcessWorker({ resolveConfig: resolver });
    w.scripted.script = {
      validate: (c) => [{ key: "topic", message: `topic ${c.topic} is part of the token ${c["auth.token"]}` }],
    };
    const config = {
      "connector.class": SCRIPTED_SOURCE,
      topic: "3x4",
      "auth.type": "BEARER",
      "auth.token": "${env:TOKEN}",
    };
    const validated = await w.rest("PUT", `/connector-plugins/${SCRIPTED_SOURCE}/config/validate`, config);
    expect(JSON.stringify(validated.body)).not.toContain("4mple");
    const topic = validated.body.configs.find((c: { value: { name: string } }) => c.value.name === "topic").value;
    expect(topic.value).toBe("3x4");
    expect(topic.errors).toEqual(["topic 3x4 is part of the token [hidden]"]);
  });

  // review64: the resolved values were hidden before the held secrets (the submitted password), so
  // a resolved topic inside the password cut it into '[hidden]-Pa55' that redact no longer found.
  test("a message quoting a password that contains a resolved value hides the password whole", async () => {
    await using w = await inProcessWorker({ resolveConfig: resolver });
    w.scripted.script = {
      validate: (c) => [{ key: "topic", message: `topic ${c.topic} is in the token ${c["auth.token"]}` }],
    };
    const config = {
      "connector.class": SCRIPTED_SOURCE,
      topic: "${env:TOPIC}",
      "auth.type": "BEARER",
      "auth.token": "secret-topic-Pa55w0rd",
    };
    const validated = await w.rest("PUT", `/connector-plugins/${SCRIPTED_SOURCE}/config/validate`, config);
    expect(JSON.stringify(validated.body)).not.toContain("Pa55w0rd");
    const topic = validated.body.configs.find((c: { value: { name: string } }) => c.value.name === "topic").value;
    expect(topic.errors).toEqual(["topic [hidden] is in the token [hidden]"]);
  });

  // A client's own answer hides a resolved value of 4 characters or more anywhere (KEY); the logs,
  // everyone's, keep it inside a word (WHOLE: `keystore` is an ordinary word there).
  test("a validation message hides a short resolved password inside a word; a log line only as a whole token", async () => {
    await using w = await inProcessWorker({ resolveConfig: resolver });
    const log = w.logs.get("test.scripted");
    w.scripted.script = {
      validate: (c) => {
        const message = `token ${c["auth.token"]} is not the keystore password`;
        log.warn(message);
        return [{ key: "topic", message }];
      },
    };
    const config = { "connector.class": SCRIPTED_SOURCE, "auth.type": "BEARER", "auth.token": "${env:STORE}" };
    const validated = await w.rest("PUT", `/connector-plugins/${SCRIPTED_SOURCE}/config/validate`, config);
    const topic = validated.body.configs.find((c: { value: { name: string } }) => c.value.name === "topic").value;
    expect(topic.errors).toEqual(["token [hidden] is not the key[hidden] password"]);
    expect(w.logLines.filter((line) => line.includes("keystore password"))).toEqual([
      expect.stringContaining("token [hidden] is not the keystore password"),
    ]);
  });

  // review-secrets5 P2-1: hidden only as a whole token, a 4-7 character value showed where a
  // message quoted part of a value composed around it (`password s3crx9 refused`).
  test("a validation message quoting part of a value composed around a 4-character resolved value hides it", async () => {
    await using w = await inProcessWorker({ resolveConfig: resolver });
    w.scripted.script = {
      validate: (c) => [
        { key: "topic", message: `password ${new URL(c.topic!).searchParams.get("password")} refused` },
      ],
    };
    const validated = await w.rest("PUT", `/connector-plugins/${SCRIPTED_SOURCE}/config/validate`, {
      "connector.class": SCRIPTED_SOURCE,
      topic: "http://db/app?password=${env:PW}x9",
    });
    const topic = validated.body.configs.find((c: { value: { name: string } }) => c.value.name === "topic").value;
    expect(topic.errors).toEqual(["password [hidden]x9 refused"]);
  });

  // review-secrets5 P2-2: REST hid each element of a provider-resolved list, the logs held the
  // whole value only: a log line naming one topic of `topics=${env:TOPICS}` showed it.
  test("a log line and a validation message quoting one element of a resolved list hide it alike", async () => {
    await using w = await inProcessWorker({ resolveConfig: resolver });
    const log = w.logs.get("test.scripted");
    w.scripted.script = {
      validate: (c) => {
        const message = `topic ${c.topics!.split(",")[1]} is refused`;
        log.warn(message);
        return [{ key: "topics", message }];
      },
    };
    const config = { "connector.class": SCRIPTED_SINK, topics: "${env:TOPICS}" };
    const validated = await w.rest("PUT", `/connector-plugins/${SCRIPTED_SINK}/config/validate`, config);
    const topics = validated.body.configs.find((c: { value: { name: string } }) => c.value.name === "topics").value;
    expect(topics.errors).toEqual(["topic [hidden] is refused"]);
    expect(w.logLines.filter((line) => line.includes("is refused"))).toEqual([
      expect.stringContaining("topic [hidden] is refused"),
    ]);
  });

  // review-secrets6 P2-2: a password with a comma was split into elements hidden inside words.
  test("a validation message naming a key holds a comma password's piece inside a word in clear", async () => {
    await using w = await inProcessWorker({ resolveConfig: resolver });
    const message = "connection.password is weak (a keyword); word Pa55 and Pa55,word are refused";
    w.scripted.script = { validate: () => [{ key: "topic", message }] };
    const validated = await w.rest("PUT", `/connector-plugins/${SCRIPTED_SOURCE}/config/validate`, {
      "connector.class": SCRIPTED_SOURCE,
      "connection.password": "${env:COMMA_PW}",
    });
    const topic = validated.body.configs.find((c: { value: { name: string } }) => c.value.name === "topic").value;
    expect(topic.errors).toEqual([
      "connection.password is weak (a keyword); [hidden] [hidden] and [hidden] are refused",
    ]);
  });
});

// secretcompose: a short resolved part glued to letters by the config itself (`ab${env:GLUED}yz`)
// is no whole token, so the rule left it in clear (`abk7pq2yz`); the composed value is a secret whole.
describe("a value composed around a short resolved value", () => {
  const composed = "ab${env:GLUED}yz";

  test("validation shows its raw text as the value and hides it in a message and a log line alike", async () => {
    await using w = await inProcessWorker({ resolveConfig: resolver });
    const log = w.logs.get("test.scripted");
    w.scripted.script = {
      validate: (c) => {
        const message = `topic ${c.topic} is refused`;
        log.warn(message);
        return [{ key: "topic", message }];
      },
    };
    const config = { "connector.class": SCRIPTED_SOURCE, topic: composed };
    const validated = await w.rest("PUT", `/connector-plugins/${SCRIPTED_SOURCE}/config/validate`, config);
    const topic = validated.body.configs.find((c: { value: { name: string } }) => c.value.name === "topic").value;
    expect(topic.value).toBe(composed);
    expect(topic.errors).toEqual(["topic [hidden] is refused"]);
    expect(w.logLines.filter((line) => line.includes("is refused"))).toEqual([
      expect.stringContaining("topic [hidden] is refused"),
    ]);
    expect(JSON.stringify(validated.body)).not.toContain("k7pq2");
  });

  test("the 400 of an invalid create hides it", async () => {
    await using w = await inProcessWorker({ resolveConfig: resolver });
    w.scripted.script = { validate: (c) => [{ key: "topic", message: `topic ${c.topic} is refused` }] };
    const created = await w.rest("POST", "/connectors", {
      name: "c",
      config: { "connector.class": SCRIPTED_SOURCE, topic: composed },
    });
    expect(created.status).toBe(400);
    expect(created.body.message).toContain("topic [hidden] is refused");
    expect(JSON.stringify(created.body)).not.toContain("k7pq2");
  });

  test("a task config value that is exactly the composed value is stored as the raw text", async () => {
    await using w = await inProcessWorker({ resolveConfig: resolver });
    let seen: Config = {};
    w.scripted.script = {
      start: (config) => {
        seen = config;
      },
      taskConfigs: () => [{ "task.topic": seen.topic! }],
    };
    const created = await w.rest("POST", "/connectors", {
      name: "c",
      config: { "connector.class": SCRIPTED_SOURCE, topic: composed },
    });
    expect(created.status).toBe(201);
    const tasks = await waitFor(async () => {
      const r = await w.rest("GET", "/connectors/c/tasks");
      return r.body.length > 0 ? r.body : undefined;
    });
    expect(seen.topic).toBe("abk7pq2yz");
    expect(tasks[0].config).toMatchObject({ "task.topic": composed });
  });

  test("a task's trace hides one only its own config composed; the config's own list elements stay", async () => {
    await using w = await inProcessWorker({
      resolveConfig: resolver,
      script: {
        taskConfigs: () => [{ pin: composed, owners: "audit,${env:GLUED}" }],
        taskStart: (config) => {
          throw new ConnectError(`pin ${config.pin} refused by audit`);
        },
      },
    });
    expect((await w.rest("PUT", "/connectors/c/config", { "connector.class": SCRIPTED_SOURCE })).status).toBe(201);
    const trace = await waitFor(async () => {
      const status = (await w.rest("GET", "/connectors/c/status")).body;
      return status.tasks[0]?.state === "FAILED" && (status.tasks[0].trace as string);
    });
    expect(trace.split("\n")[0]).toBe(
      "org.apache.kafka.connect.errors.ConnectException: pin [hidden] refused by audit",
    );
  });

  test("active topics show the raw text", async () => {
    await using w = await inProcessWorker({ resolveConfig: resolver });
    expect(
      (
        await w.rest("POST", "/connectors", {
          name: "c",
          config: { "connector.class": SCRIPTED_SOURCE, topic: composed },
        })
      ).status,
    ).toBe(201);
    w.herder.recordActiveTopic("c", "abk7pq2yz");
    expect((await w.rest("GET", "/connectors/c/topics")).body).toEqual({ c: { topics: [composed] } });
  });

  test("active topics hide a list's element glued to a resolved value and show the config's own", async () => {
    await using w = await inProcessWorker({ resolveConfig: resolver });
    const config = { "connector.class": SCRIPTED_SINK, topics: `${composed},audit` };
    expect((await w.rest("POST", "/connectors", { name: "c", config })).status).toBe(201);
    w.herder.recordActiveTopic("c", "abk7pq2yz");
    w.herder.recordActiveTopic("c", "audit");
    expect((await w.rest("GET", "/connectors/c/topics")).body).toEqual({ c: { topics: ["[hidden]", "audit"] } });
  });
});

/** Where a client reads a message a connector wrote about its config: a FAILED status's trace, or a validation result. */
const shownBy: [string, (w: InProcessWorker, config: Config, message: (c: Config) => string) => Promise<string>][] = [
  [
    "a FAILED connector's trace",
    async (w, config, message) => {
      w.scripted.script = {
        start: (c) => {
          throw new ConnectError(message(c));
        },
      };
      await w.rest("POST", "/connectors", { name: "c", config });
      const trace = await waitFor(async () => (await w.rest("GET", "/connectors/c/status")).body.connector.trace);
      return (trace as string).split("\n")[0]!.replace("org.apache.kafka.connect.errors.ConnectException: ", "");
    },
  ],
  [
    "a validation message",
    async (w, config, message) => {
      w.scripted.script = { validate: (c) => [{ key: "topic", message: message(c) }] };
      const validated = await w.rest("PUT", `/connector-plugins/${SCRIPTED_SOURCE}/config/validate`, config);
      return validated.body.configs.find((c: { value: { name: string } }) => c.value.name === "topic").value.errors[0];
    },
  ],
];

// Both hide the held secrets first, then the resolved values (ResolvedValues.redaction).
describe.each(shownBy)("%s", (_, shown) => {
  const quoting = (c: Config) => `topic ${c.topic} is in the token ${c["auth.token"]}`;
  const config = (topic: string, token: string) => ({
    "connector.class": SCRIPTED_SOURCE,
    topic,
    "auth.type": "BEARER",
    "auth.token": token,
  });

  // review64: a resolved topic hidden before the password containing it left '[hidden]-Pa55w0rd'.
  test("a password containing a resolved value is hidden whole", async () => {
    await using w = await inProcessWorker({ resolveConfig: resolver });
    const text = await shown(w, config("${env:TOPIC}", "secret-topic-Pa55w0rd"), quoting);
    expect(text).toBe("topic [hidden] is in the token [hidden]");
  });

  // secretcompose: a short resolved part glued to letters (`abk7pq2yz`) was no whole token.
  test("a value composed around a short resolved value is hidden whole, in the log line too", async () => {
    await using w = await inProcessWorker({ resolveConfig: resolver });
    const log = w.logs.get("test.scripted");
    const text = await shown(w, config("ab${env:GLUED}yz", "tok-Pa55w0rd"), (c) => {
      const message = quoting(c);
      log.warn(message);
      return message;
    });
    expect(text).toBe("topic [hidden] is in the token [hidden]");
    expect(w.logLines.filter((line) => line.includes("is in the token"))).not.toEqual([]);
    expect(w.logLines.join("\n")).not.toContain("k7pq2");
  });

  // A resolved value `hidden` (a topic so named) was found again inside the held secrets' [hidden].
  test("a resolved value that is the word hidden leaves [hidden] as it is", async () => {
    await using w = await inProcessWorker({ resolveConfig: resolver });
    const text = await shown(w, config("${env:WORD}", "tok-Pa55w0rd"), quoting);
    expect(text).toBe("topic [hidden] is in the token [hidden]");
  });

  // The held secrets' pass too: the connector's message already had a [hidden] (its own mask).
  test("a resolved value that is the word hidden leaves a [hidden] the message had as it is", async () => {
    await using w = await inProcessWorker({ resolveConfig: resolver });
    const text = await shown(
      w,
      config("${env:WORD}", "tok-Pa55w0rd"),
      (c) => `topic ${c.topic}: token [hidden] refused`,
    );
    expect(text).toBe("topic [hidden]: token [hidden] refused");
  });
});

// review-p3ingest P3-2: the Degraded trace of a RUNNING task (a kafka-mode ingest task's send
// failure, the spool's backlog) was shown as it came, not redacted as a FAILED trace is.
test("a RUNNING task's Degraded trace hides the held secrets and the resolved values, as a FAILED trace", async () => {
  let seen: Config = {};
  await using w = await inProcessWorker({
    resolveConfig: resolver,
    degradedTrace: () => `Degraded: topic ${seen.topic} is in the token ${seen["auth.token"]}`,
  });
  w.scripted.script = {
    start: (c) => {
      seen = c;
    },
  };
  const config = {
    "connector.class": SCRIPTED_SOURCE,
    topic: "${env:TOPIC}",
    "auth.type": "BEARER",
    "auth.token": "secret-topic-Pa55w0rd",
  };
  expect((await w.rest("POST", "/connectors", { name: "c", config })).status).toBe(201);
  const trace = await waitFor(async () => {
    const task = (await w.rest("GET", "/connectors/c/status")).body.tasks?.[0];
    return task?.state === "RUNNING" ? task.trace : undefined;
  });
  expect(trace).toBe("Degraded: topic [hidden] is in the token [hidden]");
});

// sinksec: the task's own resolved values (a reference only its task config holds, here one its
// connector adds) were hidden from its FAILED trace but not from its Degraded one.
test("a RUNNING task's Degraded trace hides what the providers resolved for the task's own config", async () => {
  let seen: Config = {};
  await using w = await inProcessWorker({
    resolveConfig: resolver,
    degradedTrace: () => `Degraded: password ${seen["task.pw"]} refused`,
  });
  w.scripted.script = {
    taskConfigs: () => [{ "task.pw": "${env:SHORT}" }],
    taskStart: (c) => {
      seen = c;
    },
  };
  const config = { "connector.class": SCRIPTED_SOURCE, topic: "plain" };
  expect((await w.rest("POST", "/connectors", { name: "c", config })).status).toBe(201);
  const trace = await waitFor(async () => {
    const task = (await w.rest("GET", "/connectors/c/status")).body.tasks?.[0];
    return task?.state === "RUNNING" && seen["task.pw"] !== undefined ? task.trace : undefined;
  });
  expect(trace).toBe("Degraded: password [hidden] refused");
});
