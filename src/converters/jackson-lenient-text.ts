/**
 * The JSON text Jackson's `ObjectMapper.readTree` (JsonConverter's JsonDeserializer) actually reads
 * where JSON.parse refuses the whole: Connect's mapper allows leading zeros in numbers (`007` is 7,
 * `-00.5` is -0.5), and with FAIL_ON_TRAILING_TOKENS off whatever follows the first value is never
 * read (`[1,2] x` and `{"b":1}{"c":2}` are `[1,2]` and `{"b":1}`). A number or literal at the root
 * must be followed by white space (Jackson's root-value separator rule), so `1 x` is `1` while `1x`
 * stays an error. Called by json-text.ts only after the whole text failed to parse, so well-formed
 * input never pays for it; the Apache golden cases "schemaless leading zeros" and "schemaless
 * trailing content" (test/fixtures/json-converter/) and the runtime case hunt5-json-plain-jackson
 * check it.
 */

const WHITE_SPACE = new Set([" ", "\t", "\n", "\r"]);

/** The text Jackson reads of `text`; undefined when that is `text` itself (nothing to forgive). */
export function jacksonLenientText(text: string): string | undefined {
  const first = firstJsonValue(text) ?? text;
  const unpadded = withoutLeadingZeros(first);
  return unpadded === text ? undefined : unpadded;
}

/** Numbers outside strings without the leading zeros of their integer part. */
function withoutLeadingZeros(text: string): string {
  let out = "";
  let inString = false;
  let previous = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === "\\") out += text[++i] ?? "";
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    const startsNumber = (c === "0" || (c === "-" && text[i + 1] === "0")) && !/[0-9.eE+-]/.test(previous);
    if (startsNumber) {
      let j = c === "-" ? i + 1 : i;
      while (text[j] === "0" && /[0-9]/.test(text[j + 1] ?? "")) j++;
      out += (c === "-" ? "-" : "") + text[j];
      previous = text[j]!;
      i = j;
      continue;
    }
    out += c;
    if (!WHITE_SPACE.has(c)) previous = c;
  }
  return out;
}

/** The text of the first value when something follows it; undefined when there is none to cut off. */
function firstJsonValue(text: string): string | undefined {
  let start = 0;
  while (start < text.length && WHITE_SPACE.has(text[start]!)) start++;
  const first = text[start];
  if (first === undefined) return undefined;
  const end = first === "{" || first === "[" || first === '"' ? structuredEnd(text, start) : scalarEnd(text, start);
  return end !== undefined && end < text.length ? text.slice(start, end) : undefined;
}

/** The index just past the object, array or string that opens at `start`. */
function structuredEnd(text: string, start: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') {
        inString = false;
        if (depth === 0) return i + 1;
      }
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}

/** The index just past a root number or literal, which white space must follow. */
function scalarEnd(text: string, start: number): number | undefined {
  let i = start;
  while (i < text.length && !WHITE_SPACE.has(text[i]!)) i++;
  return i < text.length ? i : undefined;
}
