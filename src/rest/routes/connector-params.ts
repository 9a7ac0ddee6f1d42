/**
 * The path parameters of the `/connectors/{connector}` endpoints: the connector's name and a task
 * number (any segment, read as Jersey reads an Integer: Integer.valueOf). Used by the connectors,
 * connector state and connector offsets routes.
 */
import type { Context } from "hono";
import { NotFoundError } from "../../errors.ts";
import { HTTP_MESSAGES } from "../error-mapping.ts";

export const C = "/connectors/:connector";
export const TASK = ":task";

export function name(c: Context): string {
  return c.req.param("connector") ?? "";
}

/**
 * The task number as Jersey converts `{task}` (Integer.valueOf): a sign, then decimal digits of any
 * script (`+0`, `00`, `٠` and `０` are task 0); anything else, or a number beyond Java's int
 * range, fails the conversion: 404.
 */
export function task(c: Context): number {
  const id = javaParseInt(c.req.param("task") ?? "");
  if (id === null) throw new NotFoundError(HTTP_MESSAGES[404]);
  return id;
}

const DIGIT = /\p{Nd}/u;

/** Character.digit(ch, 10) for one UTF-16 code unit: -1 when it is no decimal digit. */
function digitValue(ch: string): number {
  if (ch >= "0" && ch <= "9") return ch.charCodeAt(0) - 48;
  if (!DIGIT.test(ch)) return -1;
  // Unicode's decimal digits come in runs of ten, zero first: the value is the place in the run.
  let code = ch.charCodeAt(0);
  let value = 0;
  while (DIGIT.test(String.fromCharCode(code - 1))) {
    code--;
    value++;
  }
  return value % 10;
}

/** Java's Integer.parseInt(text, 10), or null where it throws NumberFormatException. */
export function javaParseInt(text: string): number | null {
  const sign = text[0] === "-" || text[0] === "+" ? text[0] : "";
  if (text.length === sign.length) return null;
  let value = 0;
  for (let i = sign.length; i < text.length; i++) {
    const digit = digitValue(text[i]!);
    if (digit < 0) return null;
    value = value * 10 + digit;
    if (value > 2147483648) return null;
  }
  if (sign === "-") return value === 0 ? 0 : -value;
  return value > 2147483647 ? null : value;
}
