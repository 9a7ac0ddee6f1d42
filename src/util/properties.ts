/**
 * Java `.properties` text as java.util.Properties.load(Reader) reads it; main.ts reads the worker and
 * connector files with it, and so do the file and secrets config providers. `key=value`,
 * `key: value` or `key value`; `#`/`!` comment lines; an odd number of trailing backslashes
 * continues the line (leading whitespace of the next line dropped); `\t \n \r \f \uXXXX` escapes,
 * other escaped characters stand for themselves; a malformed `\uXXXX` is Java's
 * IllegalArgumentException. The whole behaviour is pinned by properties.recorded.test.ts against
 * the JDK (test/fixtures/properties/).
 */
import { JavaException } from "../errors.ts";
import { setOwn } from "./own-property.ts";

const isWhitespace = (c: string | undefined) => c === " " || c === "\t" || c === "\f";
const isTerminator = (c: string | undefined) => c === "\n" || c === "\r";

function trailingBackslashes(line: string): number {
  let n = 0;
  while (n < line.length && line[line.length - 1 - n] === "\\") n++;
  return n;
}

/**
 * The logical lines of the text. Quirks that are Java's: a backslash that continues a line into
 * nothing (`\` alone, then a line break) starts a fresh line, so a `#` after it is a comment; but
 * when that line break is the text's last character, the JDK's reader meets the end of its input
 * there and, as for a backslash that ends the text, keeps the empty line: an entry `""` = `""`.
 */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let i = 0;
  outer: while (true) {
    while (i < text.length && (isWhitespace(text[i]) || isTerminator(text[i]))) i++;
    if (i >= text.length) return lines;
    if (text[i] === "#" || text[i] === "!") {
      while (i < text.length && !isTerminator(text[i])) i++;
      continue;
    }
    // The parts of the logical line, joined once: appending to and cutting a growing string was
    // quadratic on a long run of continued lines. A backslash run is counted per physical line,
    // as Java's LineReader does (its precedingBackslash starts afresh after a continuation).
    const parts: string[] = [];
    let length = 0;
    while (true) {
      const start = i;
      while (i < text.length && !isTerminator(text[i])) i++;
      const segment = text.slice(start, i);
      if (trailingBackslashes(segment) % 2 === 0) {
        parts.push(segment);
        break;
      }
      parts.push(segment.slice(0, -1));
      length += segment.length - 1;
      if (i >= text.length || (length === 0 && i === text.length - 1)) break;
      i += text[i] === "\r" && text[i + 1] === "\n" ? 2 : 1;
      while (i < text.length && isWhitespace(text[i])) i++;
      if (length === 0) continue outer;
    }
    lines.push(parts.length === 1 ? parts[0]! : parts.join(""));
  }
}

const MALFORMED_UNICODE = "Malformed \\uxxxx encoding.";

function unescapeJava(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; ) {
    const c = text[i++]!;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = text[i++] ?? "";
    if (e === "u") {
      const hex = text.slice(i, i + 4);
      if (!/^[0-9a-fA-F]{4}$/.test(hex))
        throw new JavaException("java.lang.IllegalArgumentException", MALFORMED_UNICODE);
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 4;
    } else out += e === "t" ? "\t" : e === "n" ? "\n" : e === "r" ? "\r" : e === "f" ? "\f" : e;
  }
  return out;
}

export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of logicalLines(text)) {
    let k = 0;
    while (k < line.length) {
      const c = line[k]!;
      if (c === "\\") {
        k += 2;
        continue;
      }
      if (c === "=" || c === ":" || isWhitespace(c)) break;
      k++;
    }
    let v = k;
    while (isWhitespace(line[v])) v++;
    if (line[v] === "=" || line[v] === ":") v++;
    while (isWhitespace(line[v])) v++;
    setOwn(out, unescapeJava(line.slice(0, k)), unescapeJava(line.slice(v)));
  }
  return out;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The text of a worker or connector `.properties` file from its bytes. Connect reads them with
 * Properties.load(InputStream), as ISO-8859-1: a file with Latin-1 bytes (`é` saved by a Latin-1
 * editor) reads the same here. Bytes that are valid UTF-8 are read as UTF-8 (a UTF-8 byte order
 * mark dropped): the characters the file's author meant, where Connect would take each byte for a
 * character of its own. ASCII, `\uXXXX` escapes included, reads the same either way.
 */
export function propertiesText(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  }
}

/**
 * Worker keys from the environment the way Confluent's Connect images map them:
 * `CONNECT_BOOTSTRAP_SERVERS` → `bootstrap.servers`; `___` → `-`, `__` → `_`, `_` → `.`.
 */
export function configFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  prefix = "CONNECT_",
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, { value }] of environmentKeys(env, prefix)) out[key] = value;
  return out;
}

/** The CONNECT_* environment variable that sets a worker key (`environmentKeys`' mapping, reversed). */
export function environmentVariableOf(key: string): string {
  return `CONNECT_${key.toUpperCase().replace(/_/g, "__").replace(/-/g, "___").replace(/\./g, "_")}`;
}

/** Each config key set in the environment, with the variable that set it (for error messages). */
export function environmentKeys(
  env: Readonly<Record<string, string | undefined>>,
  prefix = "CONNECT_",
): Map<string, { variable: string; value: string }> {
  const out = new Map<string, { variable: string; value: string }>();
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix) || value === undefined) continue;
    // Confluent's images give CONNECT_LOG4J_* to log4j, never to the worker (log4j-environment.ts).
    if (prefix === "CONNECT_" && name.startsWith("CONNECT_LOG4J_")) continue;
    const key = name
      .slice(prefix.length)
      .toLowerCase()
      .replace(/___/g, "\u0001")
      .replace(/__/g, "\u0002")
      .replace(/_/g, ".")
      .replace(/\u0001/g, "-")
      .replace(/\u0002/g, "_");
    if (key !== "") out.set(key, { variable: name, value });
  }
  return out;
}
