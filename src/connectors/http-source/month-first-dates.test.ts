/**
 * A TIMESTAMP offset field holding a numeric date with the year last (`12/31/2024 10:00:00`) and no
 * timestamp pattern: read month first, as earlier releases read it, so a month-first API's records
 * are delivered once each and in order (review srcp3: refusing such dates compared the offsets as text
 * and skipped later records); the first such date of a task run is a WARN naming the pattern key.
 */
import { afterAll, expect, test } from "bun:test";
import { api, commit, recordIds, startTask } from "./test-support.ts";

let polls = 0;
const server = api(() => {
  polls++;
  const items = [{ id: 1, ts: "12/31/2024 10:00:00" }];
  if (polls >= 2) items.push({ id: 2, ts: "01/01/2025 08:00:00" });
  if (polls >= 3) items.push({ id: 3, ts: "02/01/2025 08:00:00" });
  return Response.json({ items });
});
afterAll(() => server.stop(true));

const warnings = (logs: string[]) => logs.filter((l) => l.includes(" WARN "));

/** A task on the API (its count of requests from 0), polled and committed until `requests`: the ids delivered. */
async function delivered(config: Record<string, string>, requests: number) {
  polls = 0;
  const h = await startTask({
    "http.url": `${server.base}/x`,
    "http.response.records.path": "$.items[*]",
    "http.offset.mode": "TIMESTAMP",
    "http.offset.field": "ts",
    "http.timer.interval.ms": "10",
    ...config,
  });
  const signal = new AbortController().signal;
  const ids: number[] = [];
  while (polls < requests) {
    const records = (await h.task.poll(signal)) ?? [];
    commit(h, records);
    ids.push(...recordIds(records));
  }
  h.task.stop();
  return { h, ids };
}

test("a month-first API under TIMESTAMP: each new record is delivered once, across the new year; one WARN a task run", async () => {
  const { h, ids } = await delivered({}, 5);
  expect(ids).toEqual([1, 2, 3]);
  expect([...h.offsets.values()].at(-1)?.offset).toBe("02/01/2025 08:00:00");
  const said = warnings(h.logs);
  expect(said).toHaveLength(1);
  expect(said[0]).toContain(
    `http.offset.field ts holds a numeric date with the year last, such as "12/31/2024 10:00:00" in a record of GET ${server.base}/x: without http.response.record.timestamp.parser.pattern it is read month first (MM/dd/yyyy); if the API means the day first, set http.response.record.timestamp.parser.pattern to its form (dd/MM/yyyy, dd/MM/yyyy HH:mm:ss). Said once a task run`,
  );
});

test("with the pattern set (month first too), the same records and no such WARN", async () => {
  const { h, ids } = await delivered({ "http.response.record.timestamp.parser.pattern": "MM/dd/yyyy HH:mm:ss" }, 4);
  expect(ids).toEqual([1, 2, 3]);
  expect(warnings(h.logs)).toEqual([]);
});
