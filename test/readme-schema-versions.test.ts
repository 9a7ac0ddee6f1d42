/**
 * README, Operating → *Downgrading*: the schema versions it gives the current builds are those of
 * the migrations in the sources. A new migration (`src/store/migrations/`) raises a file's version at
 * the first start, and older builds then refuse the file, so the paragraph must name the new
 * version (and the builds it starts from) or an operator plans a rollback the files do not allow.
 */
import { describe, expect, test } from "bun:test";
import { migrations } from "../src/store/migrations/index.ts";
import { spoolMigrations } from "../src/store/migrations/spool.ts";
import { readmeText } from "./support/readme.ts";

/** The README's *Downgrading.* paragraph, its lines joined. */
function downgradingParagraph(): string {
  const readme = readmeText();
  const start = readme.indexOf("\n*Downgrading.*");
  if (start < 0) throw new Error("no *Downgrading.* paragraph in README.md");
  const end = readme.indexOf("\n\n", start + 1);
  return readme.slice(start + 1, end < 0 ? undefined : end).replace(/\s+/g, " ");
}

describe("README: Downgrading", () => {
  test("the versions it gives the current builds are the latest gateway.db and spool.db migrations", () => {
    const current = /The versions by build: since `\w+` \([\d-]+\), `gateway\.db` (\d+) and `spool\.db` (\d+);/.exec(
      downgradingParagraph(),
    );
    expect(current).not.toBeNull();
    expect({ gatewayDb: Number(current![1]), spoolDb: Number(current![2]) }).toEqual({
      gatewayDb: migrations.at(-1)!.version,
      spoolDb: spoolMigrations.at(-1)!.version,
    });
  });
});
