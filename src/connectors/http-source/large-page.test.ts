import { describe, expect, test } from "bun:test";
import type { JsonText } from "../../api/data/json-text.ts";
import type { Clock } from "../../util/clock.ts";
import { Slicer } from "../../util/sliced.ts";
import { epochNanos } from "./instant.ts";
import type { OffsetValue } from "./offsets.ts";
import { firstPage, paginationSettings } from "./pagination.ts";
import { finishPage, newRun, pageRecords, pageRecordsOptions, readPage } from "./poll-run.ts";
import { PAGE_URL, pageConfig } from "./test-support.ts";

const COUNT = 200_000;
const base = PAGE_URL;
const config = pageConfig({ "http.offset.mode": "TIMESTAMP", "http.offset.field": "ts" });
const clock = { now: () => 0 } as unknown as Clock;
const options = pageRecordsOptions(config, clock);
const pagination = paginationSettings(config);
const elementText = (i: number) => `{"id":${i},"ts":"2024-01-01T00:00:${String(i % 60).padStart(2, "0")}Z","v":1.50}`;
const body = new TextEncoder().encode(
  `{"data":[${Array.from({ length: COUNT }, (_, i) => elementText(i)).join(",")}]}`,
);
const response = { status: 200, headers: new Headers(), body };
const freshRun = () => newRun({ wall: 0, monotonic: 0 }, base, null, null, firstPage(pagination, base));

describe("a large page (200k records) shares the event loop", () => {
  test("a timer due while the page is read runs long before the page is done; the records are all there, in order", async () => {
    let done = false;
    let firedBeforeDone: boolean | undefined;
    let turns = 0;
    setTimeout(() => {
      firedBeforeDone = !done;
    }, 0);
    const tick = () => {
      if (done) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const run = freshRun();
    const { page } = await readPage(response, run, options, pagination);
    const records = finishPage(run, await pageRecords(run, page, options), true);
    done = true;
    expect(firedBeforeDone).toBe(true);
    // The loop got many turns, not one at the end.
    expect(turns).toBeGreaterThan(2);
    expect(records.length).toBe(COUNT);
    for (const i of [0, 1, COUNT / 2, COUNT - 1]) expect((records[i]!.value as JsonText).text).toBe(elementText(i));
    expect(run.best).toBe("2024-01-01T00:00:59Z");
    expect(records.at(-2)!.sourceOffset).toMatchObject({ offset: null });
    expect(records.at(-1)!.sourceOffset).toMatchObject({ offset: "2024-01-01T00:00:59Z" });
  });

  test("an abort while the records are made drops the page: the run is as it was", async () => {
    const run = freshRun();
    const { page } = await readPage(response, run, options, pagination);
    const stop = new AbortController();
    setImmediate(() => stop.abort(new Error("stopping")));
    const made = pageRecords(run, page, options, new Slicer(stop.signal));
    await expect(made).rejects.toThrow("stopping");
    expect(run.best).toBeNull();
    expect(run.bestSeen).toBeNull();
    expect(run.skip).toBe(0);
  });

  test("a CURSOR page of timestamps: each field is read once, in slices (the loop gets turns between the readings)", async () => {
    const cursorConfig = pageConfig({ "http.offset.mode": "CURSOR", "http.offset.field": "ts" });
    let done = false;
    let turns = 0;
    const tick = () => {
      if (done) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    /** The loop's turn at each reading. */
    const readAt: number[] = [];
    const instant = (value: OffsetValue) => {
      readAt.push(turns);
      return epochNanos(value);
    };
    const o = { ...pageRecordsOptions(cursorConfig, clock), instant };
    const run = freshRun();
    const { page } = await readPage(response, run, o, pagination);
    const records = finishPage(run, await pageRecords(run, page, o), true);
    done = true;
    // Each field once, and the cursor the page starts from once.
    expect(readAt).toHaveLength(COUNT + 1);
    expect(new Set(readAt.slice(0, COUNT)).size).toBeGreaterThan(2);
    expect(records.length).toBe(COUNT);
    expect(run.best).toBe("2024-01-01T00:00:59Z");
  });

  test("an abort while the page is read throws the abort, not a response format error", async () => {
    const stop = new AbortController();
    setImmediate(() => stop.abort(new Error("stopping")));
    const error = await readPage(response, freshRun(), options, pagination, new Slicer(stop.signal)).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe("stopping");
  });
});
