/**
 * A graceful stop (SIGTERM) of the gateway (the compiled binary when GATEWAY_BIN is set) while
 * kafka-mode ingest requests wait for a broker that holds their produce requests without answering
 * (frozen with SIGSTOP: a network partition that sends no reset looks the same). The defaults
 * apply: the ingest listener drains for task.shutdown.graceful.timeout.ms (5 s), far below
 * ingest.request.timeout.ms and the producer's request.timeout.ms (30 s each). Chaos hunt
 * 2026-12-03: every such request was cut off unanswered (ECONNRESET) when the drain ended, though
 * the README promises 500 "may still be written" or 503 for records Kafka has not acknowledged when
 * the stop ends; a device could not tell them from requests that never arrived, and most had been
 * written. Now each is answered before its connection closes: 503 only when none of its records is
 * in Kafka once the broker answers again. Review rv-chaos: the give-up (1 s before the drain ends)
 * happened once, and a request reaching the task after it (here: its body still arriving) waited for
 * the broker and was cut off unanswered all the same; now it answers 503 at once, nothing written.
 */
import { describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { freeze } from "./support/freeze.ts";
import { readOwnTopic, startOwnBroker } from "./support/own-broker.ts";
import { startOwnBrokerIngest } from "./support/own-broker-ingest.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const REQUESTS = 6;
const PER_REQUEST = 3;

describe("graceful stop while the broker holds produce requests unanswered", () => {
  test("every waiting request is answered 500 (may still be written) or 503 (not written) before the exit, and one reaching the task after the give-up 503 at once", async () => {
    await using dir = await tempDir("ingest-stop-silent-");
    await using kafka = await startOwnBroker(dir.file("kafka"));
    const route = await startOwnBrokerIngest(dir, kafka, { topicPrefix: "ingest-stop-silent", partitions: 1 });
    const { topic, url } = route;
    await using gw = route.gw;
    const post = (body: unknown) =>
      fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const metric = async (pattern: RegExp) =>
      Number(pattern.exec(await (await fetch(`${gw.url}/metrics`)).text())?.[1]);

    await freeze(kafka.pid);
    const ids = (r: number) => Array.from({ length: PER_REQUEST }, (_, i) => `${r}/${i}`);
    // A device whose request is handed over before the stop, its body completed only after the give-up.
    const listener = new URL(url);
    const lateIds = ids(REQUESTS);
    const lateBody = JSON.stringify(lateIds.map((id) => ({ id })));
    const late = connect(Number(listener.port), listener.hostname);
    let lateReply = "";
    late.setEncoding("utf8");
    late.on("data", (chunk: string) => {
      lateReply += chunk;
    });
    late.on("error", () => undefined); // a reset: no answer, which the assertion below shows
    const lateClosed = new Promise((resolve) => late.once("close", resolve));
    await new Promise((resolve) => late.once("connect", resolve));
    late.write(
      `POST ${listener.pathname} HTTP/1.1\r\nHost: ${listener.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(lateBody)}\r\n\r\n${lateBody.slice(0, 5)}`,
    );
    await waitFor(async () => (await metric(/^ingest_requests_in_flight\{route="\/ingest\/devices"\} (\d+)/m)) === 1, {
      what: "the late request handed over, its body incomplete",
    });
    const answers = Array.from({ length: REQUESTS }, async (_, r) => {
      try {
        const response = await post(ids(r).map((id) => ({ id })));
        return { r, status: response.status, text: await response.text() };
      } catch (error) {
        return { r, status: 0, text: `no answer: ${(error as Error).message}` };
      }
    });
    await waitFor(async () => (await metric(/^ingest_records_in_flight (\d+)/m)) === REQUESTS * PER_REQUEST, {
      what: "every record waiting for Kafka",
    });
    const stopped = gw.stop();
    // The first answer comes with the give-up (the broker answers nothing): the late body ends after it.
    await Promise.race(answers);
    late.write(lateBody.slice(5));
    expect(await stopped).toBe(0);
    const answered = await Promise.all(answers);
    await lateClosed;
    process.kill(kafka.pid, "SIGCONT");

    expect(answered.filter((a) => a.status !== 500 && a.status !== 503)).toEqual([]);
    for (const a of answered.filter((a) => a.status === 500)) expect(a.text).toContain("may still be written");
    expect(lateReply.split("\r\n")[0]).toBe("HTTP/1.1 503 Service Unavailable");
    expect(lateReply).toContain("(none of them was written): The gateway stopped before Kafka acknowledged the record");
    const inKafka = new Set((await readOwnTopic(kafka, topic)).map((r) => (JSON.parse(r.value) as { id: string }).id));
    const unwritten = [...answered.filter((a) => a.status === 503).flatMap((a) => ids(a.r)), ...lateIds];
    expect(unwritten.filter((id) => inKafka.has(id))).toEqual([]);
    console.log(
      `answers: ${answered.map((a) => a.status).join(" ")}; records in Kafka: ${[...inKafka].filter((id) => id !== "warm-up").length}`,
    );
  }, 90_000);
});
