import { describe, expect, test } from "bun:test";
import type { SourceMap } from "../../api/record.ts";
import { checkedConfig } from "./config-rules.ts";
import { decodeOffset, type OffsetMode } from "./offsets.ts";
import { paginationSettings } from "./pagination.ts";
import { restoredState } from "./restore.ts";
import { firstPoll, scheduleOf } from "./schedule.ts";

const POLL_TIME = Date.UTC(2026, 0, 1);
const now = { wall: POLL_TIME + 1000, monotonic: 5000 };

/** The config of a task of `mode` with `initial`, an OFFSET-paginated poll by timestamp `ts`. */
function configOf(mode: OffsetMode, initial: string, extra: Record<string, string> = {}) {
  return checkedConfig({
    "connector.class": "io.confluent.connect.http.HttpSourceConnector",
    "http.url": "http://api.test/e?since=${offset}",
    "kafka.topic": "t",
    "http.response.records.path": "$[*]",
    "http.offset.mode": mode,
    ...(mode === "NONE" ? {} : { "http.offset.field": mode === "TIMESTAMP" ? "ts" : "id" }),
    "http.record.key.field": "id",
    "http.initial.offset": initial,
    "http.pagination.type": "OFFSET",
    "http.pagination.limit.value": "2",
    ...extra,
  });
}

/** What a task of `mode` with `initial` restores from `stored`. */
function restore(stored: SourceMap | null, mode: OffsetMode, initial: string) {
  const c = configOf(mode, initial);
  const r = restoredState(stored, c, paginationSettings(c), mode, now);
  return {
    offset: r.offset,
    offsetSeen: r.offsetSeen,
    pollTime: r.pollTime,
    ...(r.startsOver && { startsOver: r.startsOver }),
    resumed: r.run && { url: r.run.page.url, skip: r.run.skip, offset: r.run.offset, best: r.run.best },
    note: r.note?.text,
  };
}

const OLD = "2024-01-01T00:00:00Z";
const NEW = "2025-01-01T00:00:00Z";
const NEXT = "2024-03-01T00:00:00Z";
/** A poll from `from` interrupted after the second record of its second page (position 2). */
const midPoll = (from: string, extra: SourceMap = {}): SourceMap => ({
  offset: from,
  poll_time: POLL_TIME,
  next_offset: NEXT,
  page_position: 2,
  skip: 2,
  ...extra,
});
/** Asserts that the interrupted poll starts over at once on its first page from `offset` (a WARN saying why). */
function expectStartedOver(r: ReturnType<typeof restore>, offset: string, why: string) {
  expect({ offset: r.offset, startsOver: r.startsOver, resumed: r.resumed }).toEqual({
    offset,
    startsOver: true,
    resumed: undefined,
  });
  expect(r.note).toContain(`Not resuming the interrupted poll: ${why}`);
}
const resumedFrom = (from: string, best = NEXT) => ({
  url: `http://api.test/e?since=${from.replaceAll(":", "%3A")}&offset=2&limit=2`,
  skip: 2,
  offset: from,
  best,
});

describe("restoredState of an offset written under http.offset.mode=NONE", () => {
  test.each(["TIMESTAMP", "CURSOR"] as const)(
    "%s starts from http.initial.offset, not from the offset NONE sent",
    (mode) => {
      const stored = { offset: OLD, offset_mode: "NONE", offset_seen: ["x"], poll_time: POLL_TIME };
      expect(restore(stored, mode, NEW)).toEqual({
        offset: NEW,
        offsetSeen: null,
        pollTime: POLL_TIME,
        resumed: undefined,
        note: undefined,
      });
    },
  );

  test("NONE sends http.initial.offset as edited since", () => {
    const stored = { offset: OLD, offset_mode: "NONE", poll_time: POLL_TIME };
    expect(restore(stored, "NONE", NEW).offset).toBe(NEW);
  });

  test("NONE resumes its interrupted poll when http.initial.offset is unchanged", () => {
    const stored = midPoll(OLD, { offset_mode: "NONE", next_offset: OLD, page_offset: OLD });
    const r = restore(stored, "NONE", OLD);
    expect(r.resumed).toEqual(resumedFrom(OLD, OLD));
    expect(r.note).toBe("Resuming the interrupted poll at position 2 after 2 records");
  });

  test("NONE with an edited http.initial.offset starts the poll over on its first page from the new one", () => {
    const stored = midPoll(OLD, { offset_mode: "NONE", next_offset: OLD, page_offset: OLD });
    const r = restore(stored, "NONE", NEW);
    expect(r).toEqual({
      offset: NEW,
      offsetSeen: null,
      pollTime: POLL_TIME,
      // Review nonets-b P3: at once, as a resumed poll (not at the next scheduled poll).
      startsOver: true,
      resumed: undefined,
      note: expect.stringContaining("Not resuming the interrupted poll: it started from another offset"),
    });
  });

  // Review nonets-b P2-1: PATCHed without page_offset, the poll's start was taken for the new initial offset.
  test("NONE's interrupted poll without page_offset (PATCHed) is not resumed on an edited http.initial.offset", () => {
    const stored = midPoll(OLD, { offset_mode: "NONE", next_offset: OLD });
    expectStartedOver(restore(stored, "NONE", NEW), NEW, "it started from another offset");
    expect(restore(stored, "NONE", OLD).resumed).toEqual(resumedFrom(OLD, OLD));
  });

  test.each(["TIMESTAMP", "CURSOR"] as const)(
    "%s does not resume NONE's interrupted poll (not even from the same offset): its first page from http.initial.offset",
    (mode) => {
      const stored = midPoll(OLD, { offset_mode: "NONE", next_offset: OLD, page_offset: OLD });
      for (const initial of [OLD, NEW]) {
        const r = restore(stored, mode, initial);
        expect(r.offset).toBe(initial);
        expect(r.resumed).toBeUndefined();
        expect(r.note).toContain(`it ran with http.offset.mode=NONE, now ${mode}`);
      }
    },
  );
});

describe("restoredState of a tracked position", () => {
  test("a TIMESTAMP offset restarts from itself with its keys seen, http.initial.offset unread", () => {
    const stored = { offset: OLD, offset_mode: "TIMESTAMP", offset_seen: ["x"], poll_time: POLL_TIME };
    expect(restore(stored, "TIMESTAMP", NEW)).toEqual({
      offset: OLD,
      offsetSeen: ["x"],
      pollTime: POLL_TIME,
      resumed: undefined,
      note: undefined,
    });
  });

  test("a TIMESTAMP poll interrupted mid-poll resumes at its page after the records Kafka has", () => {
    const stored = midPoll(OLD, { offset_mode: "TIMESTAMP", page_offset: OLD });
    expect(restore(stored, "TIMESTAMP", NEW).resumed).toEqual(resumedFrom(OLD));
  });

  test("an interrupted poll whose offset was edited (PATCH) since starts over on the first page from the edit", () => {
    const stored = midPoll(NEW, { offset_mode: "TIMESTAMP", page_offset: OLD });
    const r = restore(stored, "TIMESTAMP", OLD);
    expect(r.offset).toBe(NEW);
    expect(r.resumed).toBeUndefined();
    expect(r.note).toContain("it started from another offset");
  });

  // Review nonets-c P3-1: page_offset null was taken for an absent one, the stored (edited) offset for the poll's start.
  test("a poll started from a null offset (page_offset null) is not resumed on an offset edited since", () => {
    const stored = midPoll(NEW, { offset_mode: "TIMESTAMP", page_offset: null });
    expectStartedOver(restore(stored, "TIMESTAMP", OLD), NEW, "it started from another offset");
    expect(restore({ ...stored, offset: null }, "TIMESTAMP", OLD).resumed).toEqual({
      url: "http://api.test/e?since=&offset=2&limit=2",
      skip: 2,
      offset: null,
      best: NEXT,
    });
  });

  test("a TIMESTAMP poll interrupted mid-poll is not resumed by CURSOR: its stored offset on the first page", () => {
    const stored = midPoll("7", { offset_mode: "TIMESTAMP", page_offset: "7" });
    const r = restore(stored, "CURSOR", "1");
    expect({ offset: r.offset, resumed: r.resumed }).toEqual({ offset: "7", resumed: undefined });
    expect(r.note).toContain("it ran with http.offset.mode=TIMESTAMP, now CURSOR");
  });

  // Review nonets-b P2-3: the first start after the switch sent the stored position, the next http.initial.offset.
  test.each(["TIMESTAMP", "CURSOR"] as const)(
    "a %s offset read by NONE: http.initial.offset, as NONE's own",
    (mode) => {
      const stored = { offset: OLD, offset_mode: mode, offset_seen: ["x"], poll_time: POLL_TIME };
      expect(restore(stored, "NONE", NEW)).toEqual({
        offset: NEW,
        offsetSeen: null,
        pollTime: POLL_TIME,
        resumed: undefined,
        note: undefined,
      });
    },
  );

  test("an interrupted poll of another pagination starts over at once from its start offset", () => {
    const { page_position: _, ...stored } = midPoll(OLD, {
      offset_mode: "TIMESTAMP",
      page_offset: OLD,
      page_cursor: "c",
    });
    expectStartedOver(restore(stored, "TIMESTAMP", NEW), OLD, "the stored page is of CURSOR pagination");
  });
});

describe("restoredState of offsets without offset_mode and page_offset (earlier versions, PATCH)", () => {
  test.each(["NONE", "TIMESTAMP", "CURSOR"] as const)("%s: the stored offset is a position, as before", (mode) => {
    const r = restore({ offset: OLD, poll_time: POLL_TIME }, mode, NEW);
    expect({ offset: r.offset, pollTime: r.pollTime }).toEqual({ offset: OLD, pollTime: POLL_TIME });
  });

  test.each(["NONE", "TIMESTAMP"] as const)("%s: an interrupted poll resumes at its page, as before", (mode) => {
    expect(restore(midPoll(OLD), mode, NEW).resumed).toEqual(resumedFrom(OLD));
  });

  test("no stored offset: http.initial.offset", () => {
    expect(restore(null, "TIMESTAMP", NEW)).toEqual({
      offset: NEW,
      offsetSeen: null,
      pollTime: undefined,
      resumed: undefined,
      note: undefined,
    });
  });
});

describe("decodeOffset of offset_mode and page_offset", () => {
  test("reads them, the mode in any case (an offset PATCHed by hand)", () => {
    expect(decodeOffset({ offset: "a", offset_mode: "none" })).toEqual({ offset: "a", mode: "NONE", seen: null });
    expect(decodeOffset({ offset: "a", next_offset: "b", skip: 1, page_offset: null }).resume).toEqual({
      nextOffset: "b",
      nextSeen: null,
      page: {},
      skip: 1,
      pageOffset: null,
    });
  });

  test("refuses a page_offset without skip: it is the start of an interrupted poll", () => {
    expect(() => decodeOffset({ offset: "a", page_offset: "a" })).toThrow(
      "The 'page_offset' of an HTTP source offset needs the 'skip' of its interrupted poll",
    );
    expect(decodeOffset({ offset: "a", page_offset: null })).toEqual({ offset: "a", seen: null });
  });

  test.each([["FOO"], [3]])("refuses the offset_mode %p", (mode) => {
    expect(() => decodeOffset({ offset: "a", offset_mode: mode })).toThrow(
      "The 'offset_mode' of an HTTP source offset must be NONE, TIMESTAMP or CURSOR",
    );
  });
});

// Review nonets-c P2-1: a cron schedule waited a whole period (the next fire time) for a poll started over.
describe("the first poll of a task whose interrupted poll starts over", () => {
  const at = (iso: string, monotonic: number) => ({ wall: Date.parse(iso), monotonic });
  /** The first poll time of a task restarted at `restart` whose poll, interrupted, started from OLD. */
  function firstPollOf(timer: Record<string, string>, restart: { wall: number; monotonic: number }) {
    const stored = midPoll(OLD, {
      offset_mode: "TIMESTAMP",
      page_offset: OLD,
      poll_time: Date.parse("2026-01-01T02:00:00Z"),
    });
    const c = configOf("TIMESTAMP", NEW, timer);
    // The stored offset edited (PATCH): the poll starts over from the edit.
    const r = restoredState({ ...stored, offset: NEW }, c, paginationSettings(c), "TIMESTAMP", restart);
    return firstPoll(scheduleOf(c), restart, r);
  }

  test("a daily cron schedule polls at once, not at the next fire time", () => {
    const cron = { "http.timer.type": "cron", "http.timer.cron.expression": "0 0 2 * * ?" };
    const due = firstPollOf(cron, at("2026-01-02T10:00:00Z", 7000));
    expect(new Date(due).toISOString()).toBe("2026-01-02T10:00:00.000Z");
  });

  test("an interval schedule polls at once, not an interval after the interrupted poll", () => {
    const interval = { "http.timer.interval.ms": "3600000" };
    expect(firstPollOf(interval, at("2026-01-01T02:10:00Z", 7000))).toBe(7000);
  });

  test("a poll not interrupted keeps its schedule: the next fire time after the stored poll time's", () => {
    const c = configOf("TIMESTAMP", NEW, { "http.timer.type": "cron", "http.timer.cron.expression": "0 0 2 * * ?" });
    const restart = at("2026-01-01T10:00:00Z", 7000);
    const stored = { offset: OLD, offset_mode: "TIMESTAMP", poll_time: Date.parse("2026-01-01T02:00:00Z") };
    const r = restoredState(stored, c, paginationSettings(c), "TIMESTAMP", restart);
    expect(new Date(firstPoll(scheduleOf(c), restart, r)).toISOString()).toBe("2026-01-02T02:00:00.000Z");
  });
});
