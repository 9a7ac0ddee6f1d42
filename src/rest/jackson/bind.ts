/**
 * Connect's typed request bodies read the way its Jackson ObjectMapper binds them: the entities
 * CreateConnectorRequest, ConnectorOffsets/ConnectorOffset and `Map<String,String>` bodies, with
 * Jackson's coercions (numbers and booleans become their JSON text in string fields: `1.10` stays
 * "1.10"), its messages for mismatched types, its unknown-property rule and its reference chains
 * (`CreateConnectorRequest["config"]->java.util.LinkedHashMap["x"]`). Maps add their entry to the
 * chain of type mismatches only; beans and lists wrap every error, as Jackson's deserializers do.
 * Every failure is a 500 with Jackson's message, as Connect answers.
 */
import { JavaDouble } from "../../api/data/java-double.ts";
import { RestError } from "../../errors.ts";
import { JacksonError } from "./jackson-error.ts";
import type { JsonParser, TokenType } from "./json-parser.ts";

export const ENTITIES = "org.apache.kafka.connect.runtime.rest.entities.";
const STRING_MAP = "java.util.LinkedHashMap<java.lang.String,java.lang.String>";
const OBJECT_MAP = "java.util.LinkedHashMap<java.lang.String,java.lang.Object>";

/** A body Connect could not bind: 500 with Jackson's message. */
export class BodyError extends RestError {
  constructor(message: string) {
    super(500, message);
  }
}

export type Binder<T> = (p: JsonParser) => T;

const TOKEN_SHAPE: Partial<Record<TokenType, string>> = {
  START_OBJECT: "Object value",
  START_ARRAY: "Array value",
  VALUE_STRING: "String value",
  VALUE_NUMBER_INT: "Integer value",
  VALUE_NUMBER_FLOAT: "Floating-point value",
  VALUE_TRUE: "Boolean value",
  VALUE_FALSE: "Boolean value",
};

function mismatch(p: JsonParser, problem: string): JacksonError {
  return new JacksonError(problem, p.tokenLocation(), true);
}

function cannotDeserialize(p: JsonParser, type: string): JacksonError {
  return mismatch(
    p,
    `Cannot deserialize value of type \`${type}\` from ${TOKEN_SHAPE[p.token!]} (token \`JsonToken.${p.token}\`)`,
  );
}

function withPath<T>(ref: string, mappingOnly: boolean, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof JacksonError && (!mappingOnly || error.mapping)) error.wrap(ref);
    throw error;
  }
}

/** `java.lang.String`: scalars coerce to their JSON text, containers fail. */
export const bindString: Binder<string | null> = (p) => {
  switch (p.token) {
    case "VALUE_NULL":
      return null;
    case "START_OBJECT":
    case "START_ARRAY":
      throw cannotDeserialize(p, "java.lang.String");
    default:
      return p.text();
  }
};

/** A binder of any JSON value: arrays and objects of such values, `scalar` for everything else. */
function treeOf(scalar: Binder<unknown>): Binder<unknown> {
  const bind: Binder<unknown> = (p) => {
    switch (p.token) {
      case "START_ARRAY": {
        const out: unknown[] = [];
        while (p.next() !== "END_ARRAY") out.push(bind(p));
        return out;
      }
      case "START_OBJECT": {
        const out = new Map<string, unknown>();
        while (p.next() === "FIELD_NAME") {
          const key = p.currentName;
          p.next();
          out.set(key, bind(p));
        }
        return Object.fromEntries(out);
      }
      default:
        return scalar(p);
    }
  };
  return bind;
}

/** Any JSON value as Jackson binds it into `Object` (integers beyond 2^53 stay exact). */
export const bindAny: Binder<unknown> = treeOf((p) => {
  switch (p.token) {
    case "VALUE_NULL":
      return null;
    case "VALUE_TRUE":
      return true;
    case "VALUE_FALSE":
      return false;
    case "VALUE_NUMBER_INT": {
      const n = Number(p.text());
      return Number.isSafeInteger(n) ? n : BigInt(p.text());
    }
    case "VALUE_NUMBER_FLOAT":
      return Number(p.text());
    default:
      return p.text();
  }
});

function creatorMismatch(p: JsonParser, type: string, ctor: string): JacksonError {
  return mismatch(p, `Cannot construct instance of \`${type}\` (although at least one Creator exists): ${ctor}`);
}

/**
 * Jackson's "blank" String (StdDeserializer._isBlank): every char at most U+0020, so NUL and other
 * control characters count and U+00A0 or U+3000 do not (unlike String.prototype.trim).
 */
function isJacksonBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x20) return false;
  return true;
}

/** A JSON object into a LinkedHashMap of `valueType`; `null` for JSON null. */
export function bindMap<T>(type: string, value: Binder<T>): Binder<Record<string, T> | null> {
  return (p) => {
    if (p.token === "VALUE_NULL") return null;
    if (p.token === "VALUE_STRING" && isJacksonBlank(p.text())) {
      throw mismatch(
        p,
        'Cannot coerce empty String ("") to element of `java.util.LinkedHashMap` (but could if coercion was enabled using `CoercionConfig`)',
      );
    }
    if (p.token === "VALUE_STRING") {
      throw creatorMismatch(
        p,
        "java.util.LinkedHashMap",
        `no String-argument constructor/factory method to deserialize from String value ('${p.text()}')`,
      );
    }
    if (p.token !== "START_OBJECT") throw cannotDeserialize(p, type);
    const out = new Map<string, T>();
    while (p.next() === "FIELD_NAME") {
      const key = p.currentName;
      p.next();
      out.set(
        key,
        withPath(`java.util.LinkedHashMap["${key}"]`, true, () => value(p)),
      );
    }
    return Object.fromEntries(out);
  };
}

export const bindStringMap = bindMap(STRING_MAP, bindString);
/** As bindAny, with a fraction or exponent kept a Java double (JavaDouble): offsets tell them apart. */
const bindOffsetValue: Binder<unknown> = treeOf((p) =>
  p.token === "VALUE_NUMBER_FLOAT" ? new JavaDouble(Number(p.text())) : bindAny(p),
);

const bindOffsetMap = bindMap(OBJECT_MAP, bindOffsetValue);

function scalarCreatorProblem(p: JsonParser, type: string): JacksonError | null {
  const text = p.token === "VALUE_STRING" ? p.text() : "";
  const ctor: Partial<Record<TokenType, string>> = {
    VALUE_STRING: `no String-argument constructor/factory method to deserialize from String value ('${text}')`,
    VALUE_NUMBER_INT: `no int/Int-argument constructor/factory method to deserialize from Number value (${p.text()})`,
    VALUE_NUMBER_FLOAT: `no double/Double-argument constructor/factory method to deserialize from Number value (${p.text()})`,
    VALUE_TRUE: "no boolean/Boolean-argument constructor/factory method to deserialize from boolean value (true)",
    VALUE_FALSE: "no boolean/Boolean-argument constructor/factory method to deserialize from boolean value (false)",
  };
  const problem = ctor[p.token!];
  return problem ? creatorMismatch(p, type, problem) : null;
}

/**
 * A bean with a properties-based @JsonCreator. An unknown property fails where Jackson notices
 * it: right after its value when every creator property was already seen, else at the object's
 * end (Jackson buffers properties until the creator can run).
 */
export function bindBean<T extends Record<string, unknown>>(
  type: string,
  properties: { readonly [K in keyof T]: Binder<T[K]> },
  known: readonly (keyof T & string)[],
): Binder<Partial<T> | null> {
  return (p) => {
    if (p.token === "VALUE_NULL") return null;
    if (p.token === "START_ARRAY") throw cannotDeserialize(p, type);
    if (p.token !== "START_OBJECT") throw scalarCreatorProblem(p, type) ?? cannotDeserialize(p, type);
    const out: Partial<T> = {};
    const seen = new Set<string>();
    let unknown: string | null = null;
    const unknownError = (name: string) => {
      const error = new JacksonError(
        `Unrecognized field "${name}" (class ${type}), not marked as ignorable (${known.length === 1 ? "one known property" : `${known.length} known properties`}: ${known.map((k) => `"${k}"`).join(", ")})`,
        p.currentLocation(),
        true,
      );
      error.wrap(`${type}["${name}"]`);
      return error;
    };
    while (p.next() === "FIELD_NAME") {
      const name = p.currentName;
      p.next();
      // Own properties only: a field named `toString` or `__proto__` is unknown like any other.
      const bind = Object.hasOwn(properties, name) ? (properties as Record<string, Binder<unknown>>)[name] : undefined;
      if (!bind) {
        if (known.every((k) => seen.has(k))) throw unknownError(name);
        unknown ??= name;
        p.skipChildren();
        continue;
      }
      seen.add(name);
      (out as Record<string, unknown>)[name] = withPath(`${type}["${name}"]`, false, () => bind(p));
    }
    if (unknown !== null) throw unknownError(unknown);
    return out;
  };
}

/** A JSON array into an ArrayList of `element`; `null` for JSON null. */
export function bindList<T>(type: string, element: Binder<T>): Binder<T[] | null> {
  return (p) => {
    if (p.token === "VALUE_NULL") return null;
    if (p.token !== "START_ARRAY") throw cannotDeserialize(p, type);
    const out: T[] = [];
    while (p.next() !== "END_ARRAY") {
      const index = out.length;
      out.push(withPath(`java.util.ArrayList[${index}]`, false, () => element(p)));
    }
    return out;
  };
}

const INITIAL_STATE = `${ENTITIES}CreateConnectorRequest$InitialState`;

/** CreateConnectorRequest.InitialState via its `forValue(String)` creator (upper-cased). */
export const bindInitialState: Binder<string | null> = (p) => {
  if (p.token === "VALUE_NULL") return null;
  if (p.token === "START_ARRAY" || p.token === "START_OBJECT") {
    throw mismatch(
      p,
      `Input mismatch reading Enum \`${INITIAL_STATE}\`: properties-based \`@JsonCreator\` ([method ${INITIAL_STATE}#forValue(java.lang.String)]) expects String Value, got ${TOKEN_SHAPE[p.token]} (\`JsonToken.${p.token}\`)`,
    );
  }
  const value = p.text().toUpperCase();
  if (!["RUNNING", "PAUSED", "STOPPED"].includes(value)) throw mismatch(p, noInitialState(value));
  return value;
};

/** Jackson's message for an initial_state that is no InitialState (`value` upper-cased, as forValue does). */
export const noInitialState = (value: string) =>
  `Cannot construct instance of \`${INITIAL_STATE}\`, problem: No enum constant ${ENTITIES}CreateConnectorRequest.InitialState.${value}`;

export type CreateConnectorRequest = {
  name: string | null;
  config: Record<string, string | null> | null;
  initial_state: string | null;
};

export const bindCreateConnectorRequest = bindBean<CreateConnectorRequest>(
  `${ENTITIES}CreateConnectorRequest`,
  { name: bindString, config: bindStringMap, initial_state: bindInitialState },
  ["config", "name", "initial_state"],
);

export type ConnectorOffsetBody = {
  partition: Record<string, unknown> | null;
  offset: Record<string, unknown> | null;
};

const bindConnectorOffset = bindBean<ConnectorOffsetBody>(
  `${ENTITIES}ConnectorOffset`,
  { partition: bindOffsetMap, offset: bindOffsetMap },
  ["partition", "offset"],
);

export const bindConnectorOffsets = bindBean<{ offsets: (Partial<ConnectorOffsetBody> | null)[] | null }>(
  `${ENTITIES}ConnectorOffsets`,
  { offsets: bindList(`java.util.ArrayList<${ENTITIES}ConnectorOffset>`, bindConnectorOffset) },
  ["offsets"],
);
