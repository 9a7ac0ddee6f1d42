/**
 * response.http.headers.config as a real Apache Kafka Connect 4.3.1 worker applies and refuses it
 * (test/fixtures/connect-rest/response-headers.ts; record-response-headers.sh recorded
 * response-headers.json): a gateway started with the same value puts the same headers on the same
 * answers (a 200, 404s, a 405 and a 500; a header the answer sets itself keeps its value), and one
 * started with each refused value stops with Connect's message.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { headersAnswers, type ResponseHeadersRecording } from "./fixtures/connect-rest/response-headers.ts";
import { spawnGateway, startGateway } from "./support/gateway.ts";
import { kafkaBroker, REPO } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";

const recording: ResponseHeadersRecording = JSON.parse(
  readFileSync(join(REPO, "test/fixtures/connect-rest/response-headers.json"), "utf8"),
);

describe("response.http.headers.config against Apache Connect 4.3.1's recording", () => {
  test("the configured headers are on the answers Connect put them on, with Connect's values", async () => {
    await using dir = await tempDir();
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": (await kafkaBroker()).bootstrap,
        "data.dir": dir.file("data"),
        "response.http.headers.config": recording.good,
      },
    });
    expect(await headersAnswers(gw.url)).toEqual(recording.answers);
  });

  test.each(recording.refused.map((r) => [r.config, r.message] as const))(
    "%j stops startup with Connect's message",
    async (config, message) => {
      await using dir = await tempDir();
      const { proc, output, pumped } = spawnGateway({
        dir: dir.path,
        worker: { "data.dir": dir.file("data"), "response.http.headers.config": config },
      });
      expect(await proc.exited).toBe(1);
      await pumped;
      expect(output()).toContain(`gateway: invalid worker configuration: ${message}\n`);
    },
  );
});
