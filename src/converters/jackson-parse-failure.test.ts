import { describe, expect, test } from "bun:test";
import recorded from "../../test/fixtures/json-parse-errors/parse-errors.json";
import { javaClassOf } from "../errors.ts";
import { parseJson } from "./json-text.ts";

interface Link {
  readonly class: string;
  readonly message: string;
}

/** The Java class of each exception in the chain. */
function chainOf(error: unknown): string[] {
  const out: string[] = [];
  for (let e: unknown = error; e instanceof Error; e = e.cause) out.push(javaClassOf(e));
  return out;
}

type Case = { readonly input?: string; readonly hex?: string; readonly causes: Link[] | null };
const failing = (recorded.cases as Case[]).filter((c) => c.causes !== null);
const bytesOf = (c: Case) => (c.hex !== undefined ? Buffer.from(c.hex, "hex") : new TextEncoder().encode(c.input));

describe("parseJson's cause classes, as Apache's JsonConverter reports them (test/fixtures/json-parse-errors)", () => {
  test.each(failing.map((c) => [c.hex ?? JSON.stringify(c.input), c] as const))("%s", (_name, c) => {
    let error: unknown;
    try {
      parseJson(bytesOf(c));
    } catch (e) {
      error = e;
    }
    const causes = c.causes!;
    expect(chainOf(error)).toEqual(causes.map((link) => link.class));
    const serialization = (error as Error).cause as Error;
    expect(serialization.message.startsWith(`${causes[2]!.class}: `)).toBe(true);
  });
});
