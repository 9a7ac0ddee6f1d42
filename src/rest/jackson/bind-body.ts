/**
 * A whole request body bound as Connect's Jersey provider binds it: Jackson's ObjectMapper reads
 * the value with a binder of bind.ts and then fails on anything after it (Connect's mapper has
 * FAIL_ON_TRAILING_TOKENS); every failure is a 500 with Jackson's message.
 */
import { type Binder, BodyError } from "./bind.ts";
import { JacksonError } from "./jackson-error.ts";
import { JsonParser } from "./json-parser.ts";

/**
 * Binds a whole body; `null` when it is empty or JSON null (Jersey then passes null). Anything
 * after the value fails (Connect's mapper has FAIL_ON_TRAILING_TOKENS): `boundAs` names the
 * resource method's declared parameter type in that message.
 */
export function bindBody<T>(bytes: Uint8Array, binder: Binder<T | null>, boundAs: string): T | null {
  try {
    const p = new JsonParser(bytes);
    if (p.next() === null) return null;
    const value = binder(p);
    p.clearToken();
    const trailing = p.next();
    if (trailing !== null) {
      throw new JacksonError(
        `Trailing token (of type ${trailing}) found after value (bound as \`${boundAs}\`): not allowed as per \`DeserializationFeature.FAIL_ON_TRAILING_TOKENS\``,
        p.tokenLocation(),
        false,
      );
    }
    return value;
  } catch (error) {
    if (error instanceof JacksonError) throw new BodyError(error.message);
    throw error;
  }
}

/**
 * Reads a whole body as a plain `new ObjectMapper().readValue(bytes, type)` does (Connect's internal
 * task-config endpoint): an empty body is Jackson's "No content to map" failure, JSON null is null,
 * and what follows the value is not read. Failures are BodyErrors (a 500 with Jackson's message).
 */
export function readBody<T>(bytes: Uint8Array, binder: Binder<T | null>): T | null {
  try {
    const p = new JsonParser(bytes);
    if (p.next() === null) {
      throw new JacksonError("No content to map due to end-of-input", { line: 1, column: 0 }, true);
    }
    return binder(p);
  } catch (error) {
    if (error instanceof JacksonError) throw new BodyError(error.message);
    throw error;
  }
}
