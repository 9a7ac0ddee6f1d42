/**
 * The key every Apache converter declares (ConverterConfig): `converter.type`, which the runtime
 * sets to `key`, `value` or `header` before configuring a converter, and the helper that does so.
 */
import { check, key } from "../plugin/config-def.ts";

export const CONVERTER_TYPE_CONFIG = "converter.type";

/** Apache's ConverterType, by its config name. */
export type ConverterType = "key" | "value" | "header";

/** `converter.type`: required and without default, as in Apache (the runtime always sets it). */
export const converterTypeKey = () =>
  key.string({
    doc: "How this converter will be used.",
    importance: "LOW",
    validators: [check.oneOf(["key", "value", "header"])],
  });

/**
 * The configs a converter parses: the given ones with `converter.type` set the way Apache's
 * `configure(configs, isKey)` sets it, or defaulted to `header` for the header-converter role.
 */
export function withConverterType(
  configs: Readonly<Record<string, string>>,
  isKey: boolean | undefined,
): Record<string, string> {
  if (isKey !== undefined) return { ...configs, [CONVERTER_TYPE_CONFIG]: isKey ? "key" : "value" };
  return { [CONVERTER_TYPE_CONFIG]: "header", ...configs };
}
