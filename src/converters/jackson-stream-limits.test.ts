import { expect, test } from "bun:test";
import { javaClassOf } from "../errors.ts";
import { JsonConverter } from "./json-converter.ts";

/**
 * Recorded from Connect 4.3.1's JsonConverter (schemas.enable=false, toConnectData): "OK", or the
 * number in Jackson's StreamConstraintsException ("depth 1001": nesting; "length 1002": number), or
 * "parse" for Jackson's JsonParseException ("eof": its JsonEOFException): the parser fails before
 * it meets a limit further on.
 */
const one = (n: number) => "1".repeat(n);
const RECORDED: [string, string, string][] = [
  ["[x1001 ]x1001", `${"[".repeat(1001)}${"]".repeat(1001)}`, "depth 1001"],
  ["[x1001 ]x1001 then ' x'", `${"[".repeat(1001)}${"]".repeat(1001)} x`, "depth 1001"],
  ["[x1000 ]x1000", `${"[".repeat(1000)}${"]".repeat(1000)}`, "OK"],
  ["[x1000 ]x1000 then ' x'", `${"[".repeat(1000)}${"]".repeat(1000)} x`, "OK"],
  ['{"a": x1001', `${'{"a":'.repeat(1001)}1${"}".repeat(1001)}`, "depth 1001"],
  ["[x1001 unclosed", "[".repeat(1001), "depth 1001"],
  ["[x1000 then an object", `${"[".repeat(1000)}{"a":1}${"]".repeat(1000)}`, "depth 1001"],
  ["1001-digit integer", one(1001), "length 1001"],
  ["1001-digit integer then ' x'", `${one(1001)} x`, "length 1001"],
  ["1000-digit integer", one(1000), "OK"],
  ["-, 1000 digits", `-${one(1000)}`, "OK"],
  ["-, 1001 digits", `-${one(1001)}`, "length 1001"],
  ["0, 1000 digits", `0${one(1000)}`, "OK"],
  ["00, 1000 digits", `00${one(1000)}`, "OK"],
  ["1. with 999", `1.${one(999)}`, "OK"],
  ["1. with 1000", `1.${one(1000)}`, "length 1001"],
  ["1. with 1001", `1.${one(1001)}`, "length 1002"],
  ["1000 digits .1", `${one(1000)}.1`, "length 1001"],
  ["500.500", `${one(500)}.${one(500)}`, "OK"],
  ["501.501", `${one(501)}.${one(501)}`, "length 1002"],
  ["[501.501]", `[${one(501)}.${one(501)}]`, "length 1002"],
  ["1e with 1000", `1e${one(1000)}`, "length 1001"],
  ["1.1e with 999", `1.1e${one(999)}`, "length 1001"],
  ["[1001 digits]", `[${one(1001)}]`, "length 1001"],
  ["[1001 digits] x", `[${one(1001)}] x`, "length 1001"],
  ["[1. with 1000] x", `[1.${one(1000)}] x`, "length 1001"],
  ["[1. with 999] x", `[1.${one(999)}] x`, "OK"],
  ["[1001 digits,", `[${one(1001)},`, "length 1001"],
  ["[0 then 1000 digits]", `[0${one(1000)}]`, "OK"],
  ["1001 digits in a string", `["${one(1001)}"]`, "OK"],
  ['"s" then [x1001', `"s" ${"[".repeat(1001)}`, "OK"],
  ["true then [x1001", `true ${"[".repeat(1001)}`, "OK"],
  ["null then [x1001", `null ${"[".repeat(1001)}`, "OK"],
  ['"s" then 1001 digits', `"s" ${one(1001)}`, "OK"],
  ["true then 1001 digits", `true ${one(1001)}`, "OK"],
  ["[+ 1001 digits]", `[+${one(1001)}]`, "parse"],
  ["[. 1001 digits]", `[.${one(1001)}]`, "parse"],
  ["1001 digits as a key", `{"a":1, ${one(1001)}:2}`, "parse"],
  ["[' [x1001 ']", `['${"[".repeat(1001)}']`, "parse"],
  ["x then [x1001", `x ${"[".repeat(1001)}`, "parse"],
  ["[true then 1001 digits", `[true ${one(1001)}]`, "parse"],
  ["[[1,] then [x1001", `[[1,]${"[".repeat(1001)}`, "parse"],
  ["[} then [x1001", `[}${"[".repeat(1001)}`, "parse"],
  ['{"a" then 1001 digits', `{"a" ${one(1001)}}`, "parse"],
  ["[- then 1001 digits", `[- ${one(1001)}]`, "parse"],
  ["[truex then [x1001", `[truex${"[".repeat(1001)}`, "parse"],
  ["1001 digits then '.'", `${one(1001)}.`, "parse"],
  ["1001 digits then '.x'", `${one(1001)}.x`, "parse"],
  ["[1001 digits then '.']", `[${one(1001)}.]`, "parse"],
  ["1001 digits then 'e'", `${one(1001)}e`, "eof"],
  ["1001 digits then 'e+'", `${one(1001)}e+`, "eof"],
  ["[1001 digits then 'e-']", `[${one(1001)}e-]`, "parse"],
  ["[1. with 1000 then 'E']", `[1.${one(1000)}E]`, "parse"],
  ["1001 digits then '{}'", `${one(1001)}{}`, "parse"],
  ["1001 digits then 'x'", `${one(1001)}x`, "parse"],
  ["1001 digits then '\"a\"'", `${one(1001)}"a"`, "parse"],
  ["1. with 1000 then ']'", `1.${one(1000)}]`, "parse"],
  ["1e with 1000 then '['", `1e${one(1000)}[`, "parse"],
  ["1001 digits then ' {}'", `${one(1001)} {}`, "length 1001"],
  ["[1001 digits then '{}']", `[${one(1001)}{}]`, "length 1001"],
  ["[1001 digits then 'x']", `[${one(1001)}x]`, "length 1001"],
];

const converter = new JsonConverter();
converter.configure({ "schemas.enable": "false" }, false);

function messageOf(kind: string, n: string): string {
  const [what, getter] =
    kind === "depth" ? ["Document nesting depth", "getMaxNestingDepth"] : ["Number value length", "getMaxNumberLength"];
  return `${what} (${n}) exceeds the maximum allowed (1000, from \`StreamReadConstraints.${getter}()\`)`;
}

test.each(RECORDED)("Jackson's stream limits as JsonConverter applies them: %s", (_name, text, expected) => {
  const read = () => {
    const value = converter.toConnectData("t", undefined, new TextEncoder().encode(text)).value;
    // A JsonText reads lazily: reading it is where the value would be refused.
    return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? String(v) : v));
  };
  if (expected === "OK") {
    expect(read).not.toThrow();
    return;
  }
  let error: unknown;
  try {
    read();
  } catch (e) {
    error = e;
  }
  expect((error as Error).message).toBe("Converting byte[] to Kafka Connect data failed due to serialization error: ");
  if (expected === "parse" || expected === "eof") {
    expect(javaClassOf((error as Error).cause as Error)).toBe("org.apache.kafka.common.errors.SerializationException");
    expect(javaClassOf(((error as Error).cause as Error).cause as Error)).toBe(
      expected === "parse"
        ? "com.fasterxml.jackson.core.JsonParseException"
        : "com.fasterxml.jackson.core.io.JsonEOFException",
    );
    return;
  }
  const [kind, n] = expected.split(" ") as [string, string];
  const message = messageOf(kind, n);
  const serialization = (error as Error).cause as Error;
  expect(javaClassOf(serialization)).toBe("org.apache.kafka.common.errors.SerializationException");
  expect(serialization.message).toBe(`com.fasterxml.jackson.core.exc.StreamConstraintsException: ${message}`);
  const jackson = serialization.cause as Error;
  expect(javaClassOf(jackson)).toBe("com.fasterxml.jackson.core.exc.StreamConstraintsException");
  expect(jackson.message).toBe(message);
});

test("the pre-check is linear in runs of number characters: 64 MB of 999-digit strings is answered within the test's timeout", async () => {
  // A pattern retried at every start inside a run costs ~1000 steps a character: ~17 s here. The
  // scan runs in a child process so the test's timeout can end the test while it runs.
  const script = `
    const { jacksonLimitExceeded } = await import(${JSON.stringify(`${import.meta.dir}/jackson-stream-limits.ts`)});
    const text = "[" + Array.from({ length: 64000 }, () => '"' + "1".repeat(999) + '"').join(",") + "]";
    console.log(text.length, jacksonLimitExceeded(text) ?? "none");`;
  const child = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "inherit" });
  const out = await new Response(child.stdout).text();
  expect(await child.exited).toBe(0);
  expect(out.trim()).toBe(`${64000 * 1002 + 1} none`);
}, 8_000);
