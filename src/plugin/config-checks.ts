/**
 * The validators a config key declares (`validators: [check.atLeast(1)]`), with the messages of
 * Connect's own (ConfigDef.Range, ValidString, ValidList, NonEmptyString…), word for word. A
 * validator returns the reason a parsed value is invalid; config-def.ts prefixes it with
 * `Invalid value <v> for configuration <k>: `.
 */
import { javaHashOrder } from "../util/java-hash-order.ts";
import type { Validator } from "./config-key.ts";

/** Validators with Connect's messages. */
export const check = {
  atLeast:
    (min: number): Validator<number | null> =>
    (n) =>
      n === null ? "Value must be non-null" : n < min ? `Value must be at least ${min}` : undefined,
  between:
    (min: number, max: number): Validator<number | null> =>
    (n) =>
      n === null
        ? "Value must be non-null"
        : n < min
          ? `Value must be at least ${min}`
          : n > max
            ? `Value must be no more than ${max}`
            : undefined,
  /** ConfigDef.ValidString: a null (an explicit JSON null) is no valid string either. */
  oneOf:
    (values: readonly string[]): Validator<string | null> =>
    (s) =>
      s === null || !values.includes(s) ? `String must be one of: ${values.join(", ")}` : undefined,
  /** ConfigDef.CaseInsensitiveValidString: its message lists the values upper-cased, in HashSet order. */
  oneOfIgnoreCase: (values: readonly string[]): Validator<string | null> => {
    const shown = javaHashOrder([...new Set(values.map((x) => x.toUpperCase()))]).join(", ");
    return (s) =>
      s === null || !values.some((x) => x.toLowerCase() === s.toLowerCase())
        ? `String must be one of (case insensitive): ${shown}`
        : undefined;
  },
  /** ConfigDef.NonNullValidator. */
  nonNull: (): Validator<unknown> => (x) => (x === null ? "entry must be non null" : undefined),
  nonEmpty: (): Validator<string | null> => (s) => (s !== null && s === "" ? "String may not be empty" : undefined),
  /** An http or https URL (unset or empty passes). */
  httpUrl: (): Validator<string | null> => (s) => {
    if (s === null || s === "") return undefined;
    const url = URL.parse(s);
    return url === null || (url.protocol !== "https:" && url.protocol !== "http:")
      ? "Expected an http or https URL"
      : undefined;
  },
  /** Safe inside a quoted HTTP header parameter (a WWW-Authenticate realm). */
  headerSafe: (): Validator<string> => (s) =>
    /["\\\p{Cc}]/u.test(s) ? "May not contain quotes, backslashes or control characters" : undefined,
  /** ConfigDef.NonEmptyString. */
  nonEmptyString: (): Validator<string | null> => (s) =>
    s !== null && s === "" ? "String must be non-empty" : undefined,
  listOf:
    (values: readonly string[]): Validator<string[] | null> =>
    (list) => {
      const bad = (list ?? []).filter((x) => !values.includes(x));
      return bad.length > 0 ? `Invalid value(s) ${bad.join(",")}. Valid values are: ${values.join(", ")}` : undefined;
    },
};
