import { describe, expect, test } from "bun:test";
import { isStoreFull, storeVolumeFailureMessage } from "./store-full.ts";

/** An error as bun:sqlite's SQLiteError carries it: SQLite's text and extended code. */
const sqliteError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe("storeVolumeFailureMessage", () => {
  test.each([
    ["SQLITE_IOERR_WRITE", "disk I/O error"],
    ["SQLITE_IOERR", "disk I/O error"],
    ["SQLITE_READONLY", "attempt to write a readonly database"],
    ["SQLITE_CANTOPEN", "unable to open database file"],
  ])("%s: names the state store, its code and SQLite's text, and what to check", (code, message) => {
    expect(storeVolumeFailureMessage(new Error("wrapped", { cause: sqliteError(code, message) }))).toBe(
      `The worker's state store in data.dir failed on its volume (${code}: ${message}), so the request could not be completed. The volume of data.dir may be read-only or failing: check it and retry.`,
    );
  });

  test.each(["SQLITE_CONSTRAINT_TRIGGER", "SQLITE_FULL", "SQLITE_IOERRX", "ENOSPC"])(
    "%s is not a volume failure",
    (code) => {
      expect(storeVolumeFailureMessage(sqliteError(code, "x"))).toBeUndefined();
    },
  );

  test("a full store is told by its code only", () => {
    expect(isStoreFull(sqliteError("SQLITE_FULL", "database or disk is full"))).toBe(true);
    expect(isStoreFull(new Error("database or disk is full"))).toBe(false);
  });
});
