/**
 * Generated docs must match the declarations they come from: run scripts/gen-docs after changing
 * a plugin's or the worker's config.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { generatedDocs } from "../src/docs-catalog.ts";
import { REPO } from "./support/kafka.ts";

describe("generated docs", () => {
  const docs = generatedDocs();

  test.each([...docs.keys()].map((p) => [p]))("%s is up to date (run scripts/gen-docs)", (path) => {
    const file = join(REPO, path);
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, "utf8")).toBe(docs.get(path)!);
  });

  test("docs/plugins has no page for a plugin that no longer exists", () => {
    const stale = readdirSync(join(REPO, "docs/plugins")).filter((f) => !docs.has(`docs/plugins/${f}`));
    expect(stale).toEqual([]);
  });
});
