/**
 * Fixtures of the Idempotency-Key store's tests (idempotency-store.test.ts,
 * idempotency-eviction.test.ts): an answer to store, the bytes its row counts, the rows of a file.
 */
import type { Database } from "bun:sqlite";
import type { StoredResponse } from "./idempotency-store.ts";

/** A 200 JSON answer whose body is `text` and whose request hash is `hash-${text}`. */
export const answer = (text: string): StoredResponse => ({
  requestHash: `hash-${text}`,
  status: 200,
  contentType: "application/json",
  body: new TextEncoder().encode(text),
});

/** A key's row as ROW_BYTES counts it: body, texts and four integers (generation included). */
export const bytesOf = (connector: string, principal: string, key: string, text: string) =>
  text.length +
  connector.length +
  principal.length +
  key.length +
  `hash-${text}`.length +
  "application/json".length +
  32;

/** The keys of the file, in the order they were stored. */
export const rows = (db: Database) =>
  db.query("SELECT connector, idempotency_key AS key FROM ingest_idempotency ORDER BY rowid").all();
