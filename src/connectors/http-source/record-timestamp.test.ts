import { describe, expect, test } from "bun:test";
import { castormKeyWarnings } from "./castorm-keys.ts";
import { httpSource } from "./index.ts";
import { api, FastForwardClock, startTask } from "./test-support.ts";

/**
 * castorm's http.response.record.timestamp.pointer: the Kafka timestamp of a record is the instant
 * of its field there (castorm's SourceRecord carries the timestamp it parsed), else the poll's time.
 */
describe("http.response.record.timestamp.pointer", () => {
  const events = [
    { id: 1, meta: { created: "2024-07-01T10:00:00.123Z" } },
    { id: 2, meta: { created: 1719835200456 } },
    { id: 3, meta: {} },
    { id: 4, meta: { created: "n/a" } },
    { id: 5, meta: { created: "1969-12-31T23:59:59Z" } },
  ];

  test("a record's Kafka timestamp is its field's instant; without one there, the poll's time", async () => {
    using server = api(() => Response.json(events));
    const clock = new FastForwardClock();
    const h = await startTask(
      {
        "http.url": `${server.base}/events`,
        "http.response.records.path": "$[*]",
        "http.response.record.timestamp.pointer": "/meta/created",
      },
      { clock },
    );
    const records = await h.collect(5);
    expect(records.map((r) => r.timestamp)).toEqual([
      Date.parse("2024-07-01T10:00:00.123Z"),
      1719835200456,
      clock.now(),
      clock.now(),
      clock.now(),
    ]);
  });

  test("read with castorm's timestamp parser keys, as a TIMESTAMP offset field is", async () => {
    using server = api(() => Response.json([{ id: 1, at: "02/07/2024 01:30:00" }]));
    const h = await startTask({
      "http.url": `${server.base}/events`,
      "http.response.records.path": "$[*]",
      "http.response.record.timestamp.pointer": "/at",
      "http.response.record.timestamp.parser.pattern": "dd/MM/yyyy HH:mm:ss",
      "http.response.record.timestamp.parser.zone": "Europe/Madrid",
    });
    const [record] = await h.collect(1);
    expect(record!.timestamp).toBe(Date.parse("2024-07-01T23:30:00Z"));
  });

  test("unset, every record has the poll's time", async () => {
    using server = api(() => Response.json(events.slice(0, 2)));
    const clock = new FastForwardClock();
    const h = await startTask({ "http.url": `${server.base}/events`, "http.response.records.path": "$[*]" }, { clock });
    expect((await h.collect(2)).map((r) => r.timestamp)).toEqual([clock.now(), clock.now()]);
  });

  test("validation refuses a value that is no JSON Pointer, and no longer warns about the key as castorm's alone", () => {
    const config = {
      "http.url": "https://api.example.com/events",
      "kafka.topic": "t",
      "http.response.record.timestamp.pointer": "meta.created",
    };
    expect(httpSource.validationOnly!(config)).toContainEqual({
      key: "http.response.record.timestamp.pointer",
      message: "Not a JSON Pointer (RFC 6901): empty, or starting with / (/updated_at)",
    });
    expect(
      httpSource.validationOnly!({ ...config, "http.response.record.timestamp.pointer": "/meta/created" }),
    ).toEqual([]);
    expect(castormKeyWarnings(config)).toEqual([]);
  });
});
