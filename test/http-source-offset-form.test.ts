/**
 * PATCH /connectors/{c}/offsets on a STOPPED HTTP source in TIMESTAMP mode: an offset the configured
 * timestamp parser keys do not read is refused naming that parser and its pattern or regex (it said
 * "ISO-8601 or epoch", which a pattern's own form is not), one they read is stored.
 */
import { expect, test } from "bun:test";
import { startGateway } from "./support/gateway.ts";
import { startApi } from "./support/http-api.ts";
import { kafkaBroker, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

test("an offset the timestamp parser keys do not read is refused naming the configured pattern and regex", async () => {
  const kafka = await kafkaBroker();
  await using dir = await tempDir();
  using api = startApi(() => Response.json([]));
  await using gw = await startGateway({
    dir: dir.path,
    worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
  });
  const base = {
    "connector.class": "HttpSource",
    "http.url": `${api.base}/events`,
    "kafka.topic": uniqueTopic("offset-form"),
    "http.timer.interval.ms": "60000",
    "http.response.records.path": "$[*]",
    "http.offset.mode": "TIMESTAMP",
    "http.offset.field": "ts",
  };
  const partition = { url: `${api.base}/events` };
  const patch = (name: string, offset: string) =>
    gw.rest.patch(`/connectors/${name}/offsets`, { offsets: [{ partition, offset: { offset } }] });
  const stopped = async (name: string, keys: Record<string, string>) => {
    expect((await gw.rest.put(`/connectors/${name}/config`, { ...base, ...keys })).status).toBe(201);
    expect((await gw.rest.put(`/connectors/${name}/stop`)).status).toBe(204);
    await waitFor(async () => (await gw.rest.get(`/connectors/${name}/status`)).body?.connector?.state === "STOPPED");
  };

  await stopped("form-pattern", { "http.response.record.timestamp.parser.pattern": "dd/MM/yyyy HH:mm:ss" });
  const bad = await patch("form-pattern", "2024/07/01 10:00:00");
  expect(bad.status).toBe(500);
  expect(bad.body.message).toBe(
    `The 'offset' "2024/07/01 10:00:00" is not a timestamp (epoch milliseconds or the pattern "dd/MM/yyyy HH:mm:ss" (EpochMillisOrDelegateTimestampParser), or ISO-8601) as http.offset.mode=TIMESTAMP needs`,
  );
  expect((await patch("form-pattern", "01/07/2024 10:00:00")).status).toBe(200);

  await stopped("form-regex", {
    "http.response.record.timestamp.parser": "RegexTimestampParser",
    "http.response.record.timestamp.parser.regex": "at (\\S+)",
    "http.response.record.timestamp.parser.regex.delegate": "EpochMillisTimestampParser",
  });
  expect((await patch("form-regex", "soon")).body.message).toBe(
    `The 'offset' "soon" is not a timestamp (group 1 of the regex "at (\\\\S+)" read as epoch milliseconds (RegexTimestampParser), or ISO-8601) as http.offset.mode=TIMESTAMP needs`,
  );
  expect((await patch("form-regex", "at 1704103200000")).status).toBe(200);

  // Without parser keys: as before.
  await stopped("form-plain", {});
  expect((await patch("form-plain", "someday")).body.message).toBe(
    `The 'offset' "someday" is not a timestamp (ISO-8601 or epoch) as http.offset.mode=TIMESTAMP needs`,
  );
});
