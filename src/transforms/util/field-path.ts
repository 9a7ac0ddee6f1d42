/**
 * Field paths (KIP-821): `field.syntax.version` V1 takes a field name as is; V2 reads a dotted
 * path into nested structs or maps, with backticks around names that contain dots
 * (`` `foo.bar`.baz ``) and a backslash before a backtick that belongs to the name. Mirrors
 * Connect's FieldSyntaxVersion and SingleFieldPath, messages included.
 */
import type { Field, Schema } from "../../api/data/schema.ts";
import type { Struct } from "../../api/data/struct.ts";
import { ConfigError } from "../../errors.ts";
import { check, key } from "../../plugin/config-def.ts";
import { invalidValue } from "../../util/invalid-value.ts";
import { requireMapOrNull, requireStructOrNull } from "./requirements.ts";
import { mapGet, type SchemalessMap } from "./schemaless-map.ts";

export type FieldSyntaxVersion = "V1" | "V2";

export const FIELD_SYNTAX_VERSION_CONFIG = "field.syntax.version";

/** The `field.syntax.version` key, appended to the configs of the SMTs that support nested paths. */
export function fieldSyntaxVersionKey() {
  return key.string({
    doc: 'Defines the version of the syntax to access fields. If set to <code>V1</code>, then the field paths are limited to access the elements at the root level of the struct or map. If set to <code>V2</code>, the syntax will support accessing nested elements. To access nested elements, dotted notation is used. If dots are already included in the field name, then backtick pairs can be used to wrap field names containing dots. E.g. to access the subfield <code>baz</code> from a field named "foo.bar" in a struct/map the following format can be used to access its elements: "<code>foo.bar</code>.baz".',
    default: "V1",
    importance: "HIGH",
    validators: [check.oneOfIgnoreCase(["V1", "V2"])],
  });
}

export function fieldSyntaxVersionOf(value: string): FieldSyntaxVersion {
  const upper = value.toUpperCase();
  if (upper !== "V1" && upper !== "V2") {
    throw new ConfigError(invalidValue(FIELD_SYNTAX_VERSION_CONFIG, value, "Unrecognized field syntax version"));
  }
  return upper;
}

export class SingleFieldPath {
  readonly steps: readonly string[];

  constructor(
    readonly path: string,
    readonly version: FieldSyntaxVersion,
  ) {
    this.steps = version === "V1" ? [path] : parseV2(path);
  }

  /** The field at this path in `schema`, or undefined when a step is missing. */
  fieldFrom(schema: Schema | null): Field | undefined {
    if (schema === null || this.steps.length === 0) return undefined;
    let current = schema;
    // As SingleFieldPath.fieldFrom: a step into a non-struct schema throws Schema.field's DataException.
    for (const step of this.steps.slice(0, -1)) {
      const field = current.field(step);
      if (!field) return undefined;
      current = field.schema;
    }
    return current.field(this.steps.at(-1)!);
  }

  /** The value at this path in a struct (its default when null and `withDefault`), or null. */
  valueFromStruct(struct: Struct | null, withDefault = true): unknown {
    if (struct === null || this.steps.length === 0) return null;
    let current = struct;
    for (const step of this.steps.slice(0, -1)) {
      if (!current.schema.field(step)) return null;
      const next = requireStructOrNull(current.get(step), "nested field access");
      if (next === null) return null;
      current = next;
    }
    const last = this.steps.at(-1)!;
    if (!current.schema.field(last)) return null;
    return withDefault ? current.get(last) : current.getWithoutDefault(last);
  }

  /** The value at this path in a schemaless map, or null. */
  valueFromMap(map: SchemalessMap | null): unknown {
    if (map === null || this.steps.length === 0) return null;
    let current = map;
    for (const step of this.steps.slice(0, -1)) {
      const next = requireMapOrNull(mapGet(current, step), "nested field access");
      if (next === null) return null;
      current = next;
    }
    return mapGet(current, this.steps.at(-1)!);
  }

  toString(): string {
    return `SingleFieldPath{version=${this.version}, path=${this.steps.join(".")}}`;
  }
}

function incompleteBacktick(path: string, at: number): ConfigError {
  return new ConfigError(
    `Incomplete backtick pair in path: [${path}], consider adding a backslash before backtick at position ${at} to escape it`,
  );
}

/** Splits a V2 path into steps; a trailing dot adds an empty last step. */
function parseV2(path: string): string[] {
  const steps: string[] = [];
  let idx = 0;
  while (idx >= 0 && idx < path.length) {
    if (path[idx] !== "`") {
      const start = idx;
      idx = path.indexOf(".", idx);
      if (idx >= 0) {
        steps.push(path.slice(start, idx));
        idx++;
      } else {
        steps.push(path.slice(start));
      }
      continue;
    }
    const backtickAt = idx;
    idx++;
    let start = idx;
    let field = "";
    for (;;) {
      idx = path.indexOf("`", idx);
      if (idx < 0) throw incompleteBacktick(path, backtickAt);
      const escaped = path[idx - 1] === "\\";
      if (idx >= path.length - 1) {
        // The closing backtick ends the path.
        if (escaped) throw incompleteBacktick(path, backtickAt);
        steps.push(field + path.slice(start, idx));
        idx++;
        break;
      }
      if (path[idx + 1] !== ".") {
        // A backtick inside the name: keep it and look for the closing one.
        idx++;
        continue;
      }
      if (escaped) {
        field += `${path.slice(start, idx - 1)}\``;
        idx++;
        start = idx;
        continue;
      }
      steps.push(field + path.slice(start, idx));
      idx += 2;
      break;
    }
  }
  if (path.endsWith(".")) steps.push("");
  return steps;
}
