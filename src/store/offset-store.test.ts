/**
 * OffsetStore keeps a source offset's numbers as Connect's offset store does (JsonConverter,
 * schemas.enable=false, under the worker's offset topic): a Double stays a Double. An offset
 * written through PATCH /connectors/{c}/offsets with `5.0` (bound as a JavaDouble) reads back, and
 * shows in GET .../offsets, as `5.0`, not `5`.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { JavaDouble } from "../api/data/java-double.ts";
import { jacksonStringify } from "../rest/jackson/json-writer.ts";
import { migrate } from "./database.ts";
import { OffsetStore } from "./offset-store.ts";

function store(): OffsetStore {
  const db = new Database(":memory:", { strict: true });
  migrate(db, ":memory:");
  return new OffsetStore(db);
}

describe("OffsetStore", () => {
  test("an integral Double reads back as a Double, shown as Java writes it (5.0, 1.0E20)", () => {
    const offsets = store();
    const partition = { url: "http://x", shard: new JavaDouble(2) };
    offsets.alter("c", [
      { partition, offset: { offset: new JavaDouble(5), big: new JavaDouble(1e20), long: 5, half: 1.5 } },
    ]);
    const read = offsets.get("c", { url: "http://x", shard: new JavaDouble(2) });
    expect(read).toEqual({ offset: new JavaDouble(5), big: new JavaDouble(1e20), long: 5, half: 1.5 });
    expect(jacksonStringify({ offsets: offsets.all("c") })).toBe(
      '{"offsets":[{"partition":{"url":"http://x","shard":2.0},"offset":{"big":1.0E20,"half":1.5,"long":5,"offset":5.0}}]}',
    );
  });

  test("a Long partition is not the Double partition of the same value", () => {
    const offsets = store();
    offsets.write("c", [{ partition: { p: 1 }, offset: { o: 1 } }]);
    expect(offsets.get("c", { p: new JavaDouble(1) })).toBeNull();
    expect(offsets.get("c", { p: 1 })).toEqual({ o: 1 });
  });

  test("an integer beyond 2^53 reads back exactly, so GET shows it and a reset through the REST API finds its partition", () => {
    const offsets = store();
    const partition = { id: 1234567890123456789n };
    offsets.alter("c", [{ partition, offset: { position: 987654321098765432n } }]);
    expect(offsets.get("c", partition)).toEqual({ position: 987654321098765432n });
    const [entry] = offsets.all("c");
    expect(jacksonStringify(entry)).toBe(
      '{"partition":{"id":1234567890123456789},"offset":{"position":987654321098765432}}',
    );
    // A reset (DELETE .../offsets) writes a null offset for each partition GET lists.
    offsets.alter("c", [{ partition: entry!.partition, offset: null }]);
    expect(offsets.all("c")).toEqual([]);
  });

  test("rows written before Doubles were kept (plain JSON numbers) read and match as before", () => {
    const db = new Database(":memory:", { strict: true });
    migrate(db, ":memory:");
    db.run(
      "INSERT INTO source_offsets (connector, partition_key, partition, offset, updated_at) VALUES ('c', ?, ?, ?, 0)",
      ['{"file":"a","shard":2}', '{"shard":2,"file":"a"}', '{"half":1.5,"position":5}'],
    );
    const offsets = new OffsetStore(db);
    expect(offsets.get("c", { shard: 2, file: "a" })).toEqual({ half: 1.5, position: 5 });
    expect(offsets.all("c")).toEqual([{ partition: { shard: 2, file: "a" }, offset: { half: 1.5, position: 5 } }]);
  });
});
