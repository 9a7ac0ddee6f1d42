/**
 * Config pieces the SMTs share: Apache's validators that the DSL does not have (NonEmptyString,
 * NonEmptyListValidator, RegexValidator) with their messages, the `replace.null.with.default` key
 * (KIP-1040) and `configError`, Connect's `ConfigException(name, value, message)`.
 */
import { ConfigError } from "../../errors.ts";
import { key, type Validator } from "../../plugin/config-def.ts";
import { invalidValueError } from "../../util/invalid-value.ts";
import { compileJavaRegex } from "./java-regex.ts";

/** ConfigDef.NonEmptyString. */
export const nonEmptyString: Validator<string | null> = (s) =>
  s !== null && s === "" ? "String must be non-empty" : undefined;

/**
 * ConfigDef.ValidList.anyNonDuplicateValues(false, false), as DropHeaders, MaskField and ValueToKey
 * declare their lists: it throws its ConfigException itself, so the message has no prefix.
 */
export function nonEmptyValues(name: string): Validator<string[] | null> {
  return (list) => {
    if (list === null) throw new ConfigError(`Configuration '${name}' values must not be null.`);
    if (list.length === 0) {
      throw new ConfigError(`Configuration '${name}' must not be empty. Valid values include: any non-empty value`);
    }
    return undefined;
  };
}

/** transforms.util.NonEmptyListValidator (HeaderFrom). */
export const nonEmptyList: Validator<string[] | null> = (list) =>
  list === null || list.length === 0 ? "Empty list" : undefined;

/** transforms.util.RegexValidator: the value compiles as a (Java) regular expression. */
export const validRegex: Validator<string | null> = (s) => {
  // Pattern.compile(null) fails inside Java's Pattern: the NullPointerException's message is the reason.
  if (s === null) return 'Invalid regex: Cannot invoke "String.isEmpty()" because "this.pattern" is null';
  try {
    compileJavaRegex(s);
    return undefined;
  } catch (e) {
    return `Invalid regex: ${e instanceof Error ? e.message : String(e)}`;
  }
};

/** The `replace.null.with.default` key, as Cast, ExtractField, HeaderFrom … declare it. */
export function replaceNullWithDefaultKey() {
  return key.boolean({
    doc: "Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.",
    default: true,
    importance: "MEDIUM",
  });
}

/** Connect's `ConfigException(name, value, message)`: `Invalid value <v> for configuration <name>: <message>`. */
export function configError(name: string, value: unknown, message: string): ConfigError {
  return invalidValueError(name, value, message);
}
