/**
 * The README's device ingest commands, run as written (the three bash blocks under "## Device
 * ingest": create the connector, every mode on its own path, REST Proxy v2/v3/v3 batch) against the
 * gateway (the compiled binary under GATEWAY_BIN) with the worker settings `scripts/run` uses
 * (config/worker.properties) and the real broker. Each command runs through `bash -c` with the
 * README's quoting; its exit code must be 0, the status and answer the README shows (`# → 200 {…}`)
 * must match (offsets and timestamps as numbers), and every record must reach Kafka as the README
 * says (keys, content-type header, one copy for the retried Idempotency-Key). The v2 command with
 * its topic replaced by one no connector names must get the 404 the README quotes. The v3 streaming
 * command (its own block) gets a report per record.
 *
 * Substitutions, the only ones a shared test machine needs: `localhost:8083` → the test's REST
 * address, `localhost:8080` → its ingest address (both on port 0), and the topic `telemetry` (in
 * `"kafka.topic":"telemetry"`, `/topics/telemetry` and the shown answers) → a unique topic. The
 * working directory is a scratch directory holding `frame.jpg`, the user's own file in the README.
 * curl reads a `.curlrc` there (CURL_HOME) that appends the HTTP status to each answer.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { readTopic, uniqueTopic } from "./support/kafka.ts";
import {
  curlHome,
  type ReadmeCommand,
  readmeBlock,
  readmeText,
  runReadmeCommand,
  shownAnswer,
  shownStatusAndBody,
  splitCommands,
  substitute,
  workerProperties,
} from "./support/readme.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { waitFor } from "./support/wait-for.ts";

const topic = uniqueTopic("telemetry");
// The worker file scripts/run reads, on this test's ports (the suite sets the broker and data.dir).
const suite = suiteGateway({
  ...workerProperties(),
  listeners: "http://127.0.0.1:0",
  "ingest.listeners": "http://127.0.0.1:0",
});
let home: string;

beforeAll(() => {
  home = curlHome(suite.dir.file("curl-home"));
});

/** The README block after `marker`, with this test's substitutions (its address: admin or ingest). */
function block(marker: string | undefined, listener: "admin" | "ingest"): string {
  const address: [string, string] =
    listener === "admin"
      ? ["localhost:8083", new URL(suite.gw.url).host]
      : ["localhost:8080", new URL(suite.ingest).host];
  return substitute(readmeBlock("## Device ingest", marker === undefined ? {} : { marker }), [address])
    .replaceAll('"kafka.topic":"telemetry"', `"kafka.topic":"${topic}"`)
    .replaceAll("/topics/telemetry", `/topics/${topic}`)
    .replaceAll('"topic":"telemetry"', `"topic":"${topic}"`)
    .replaceAll('"topic_name":"telemetry"', `"topic_name":"${topic}"`);
}

async function run(command: ReadmeCommand) {
  const result = await runReadmeCommand(command, { cwd: suite.dir.path, curlHome: home });
  expect({ command: command.text, code: result.code, stderr: result.stderr }).toEqual({
    command: command.text,
    code: 0,
    stderr: expect.any(String),
  });
  return result;
}

/** Checks an answer against what the README shows for the command. */
function expectShown(command: ReadmeCommand, result: { statuses: number[]; output: string }): void {
  if (command.shown === undefined) return;
  const { status, body } = shownStatusAndBody(command.shown);
  if (status !== undefined) expect(result.statuses).toEqual([status]);
  expect(result.output).toMatch(shownAnswer(body));
}

describe("README: device ingest", () => {
  test("every command works as written and its records reach Kafka", async () => {
    const [create, ...rest] = await splitCommands(block(undefined, "admin"));
    expect(rest).toEqual([]);
    const created = await run(create!);
    expect(created.statuses).toEqual([201]);
    expect(JSON.parse(created.output)).toMatchObject({ name: "telemetry", type: "source" });
    await waitFor(
      async () => {
        const status = await suite.gw.rest.get<any>("/connectors/telemetry/status");
        return status.body.tasks?.[0]?.state === "RUNNING";
      },
      { what: "the telemetry connector's task RUNNING" },
    );

    // The user's own image.
    writeFileSync(
      suite.dir.file("frame.jpg"),
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0xff, 0xd9]),
    );
    const modes = await splitCommands(block("Every mode, on the connector's own path", "ingest"));
    expect(modes.length).toBe(5);
    const answers: string[] = [];
    for (const command of modes) {
      const result = await run(command);
      expect(result.statuses).toEqual([200]);
      expectShown(command, result);
      answers.push(result.output);
    }
    // Retrying the Idempotency-Key request answers the first response and writes nothing again.
    const idempotent = modes[4]!;
    expect(idempotent.text).toContain("Idempotency-Key");
    const again = await run(idempotent);
    expect({ status: again.statuses, answer: again.output }).toEqual({ status: [200], answer: answers[4]! });

    const proxy = await splitCommands(block("Confluent REST Proxy's produce API works unchanged", "ingest"));
    expect(proxy.length).toBe(3);
    const proxyResults = [];
    for (const command of proxy) {
      const result = await run(command);
      expectShown(command, result);
      proxyResults.push(result);
    }
    expect(proxy.map((c) => c.shown !== undefined)).toEqual([true, true, false]);
    // "v3 batch: 207 with successes and failures"
    expect(proxyResults[2]!.statuses).toEqual([207]);
    expect(Object.keys(JSON.parse(proxyResults[2]!.output))).toEqual(["successes", "failures"]);
    // "any other topic is REST Proxy's 404 `{…}`": the v2 command for a topic no connector names.
    const notFound = /any other topic is REST Proxy's 404\s+`([^`]+)`/.exec(readmeText())?.[1];
    expect(notFound).toBe('{"error_code":40401,"message":"Topic not found."}');
    const other = await runReadmeCommand(proxy[0]!.text.replace(`/topics/${topic}`, "/topics/not-an-ingest-topic"), {
      cwd: suite.dir.path,
      curlHome: home,
    });
    expect({ code: other.code, statuses: other.statuses, output: other.output }).toEqual({
      code: 0,
      statuses: [404],
      output: notFound!,
    });

    // Keys from `$.deviceId` (JsonConverter: a JSON string), REST Proxy keys as sent; the raw
    // image as Connect's BYTES (a base64 JSON string) with its content type as a header; the
    // retried Idempotency-Key request once.
    const records = await readTopic(topic, 11);
    const jpeg = readFileSync(suite.dir.file("frame.jpg")).toString("base64");
    expect(
      records.map((r) => ({
        key: r.key?.toString() ?? null,
        value: r.value?.toString() ?? null,
        headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)])),
      })),
    ).toEqual([
      { key: '"d1"', value: '{"deviceId":"d1","t":21.5}', headers: {} },
      { key: '"d1"', value: '{"deviceId":"d1","t":1}', headers: {} },
      { key: '"d2"', value: '{"deviceId":"d2","t":2}', headers: {} },
      { key: null, value: '{"t":1}', headers: {} },
      { key: null, value: '{"t":2}', headers: {} },
      { key: null, value: `"${jpeg}"`, headers: { "content-type": "image/jpeg" } },
      { key: null, value: '{"t":3}', headers: {} },
      { key: '"dev-1"', value: '{"t":21.5}', headers: {} },
      // 22.0 as sent (REST Proxy's Jackson writes the Double as 22.0 too); was 22 before JSON data kept its spelling.
      { key: null, value: '{"t":22.0}', headers: {} },
      { key: '"dev-1"', value: '{"t":21.5}', headers: {} },
      { key: null, value: '"My first message"', headers: {} },
    ]);
  });

  test("the v3 streaming command gets one report per record, and the records reach Kafka", async () => {
    const [command, ...more] = await splitCommands(block("REST Proxy v3 streaming mode streams", "ingest"));
    expect(more).toEqual([]);
    const result = await run(command!);
    expect(result.statuses).toEqual([200]);
    const reports = result.output
      .split(/(?=\{"error_code":)/)
      .filter((text) => text.trim() !== "")
      .map((text) => JSON.parse(text) as { error_code: number; topic_name: string; offset: number });
    expect(reports.map((r) => [r.error_code, r.topic_name])).toEqual([
      [200, topic],
      [200, topic],
      [200, topic],
    ]);
    const records = await readTopic(topic, reports[2]!.offset + 1);
    expect(records.slice(-3).map((r) => r.value?.toString())).toEqual(['{"t":1}', '{"t":2}', '{"t":3}']);
  });
});
