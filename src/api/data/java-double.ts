/**
 * A `java.lang.Double` whose value is integral (`3.0`, `1.0E20`), where a plain JavaScript number
 * would stand for a Long. Schemaless Connect data tells a Double from a Long by its Java class:
 * JsonConverter (schemas.enable=false) reads `3.0` and `1e20` as Doubles and `3` as a Long, and
 * writes them back so (`3.0`, `1.0E20`, `3`); FileStreamSink prints `{a=3.0}`, Cast to string
 * gives "3.0", SimpleHeaderConverter "3.0". So a schemaless value holds such a Double as a
 * JavaDouble; a non-integral double (1.5) is a plain number already unambiguous, and a value with a
 * schema takes its type from the schema (plain numbers there). Readers of schemaless values accept
 * either; `schemalessDouble` gives the right one for a Double a transformation computes.
 *
 * KIP-875 offsets bind a JSON number with a fraction or exponent so too (the REST layer): Connect
 * parses a sink's `kafka_offset` from `String.valueOf(value)` ("5.0" is no long) and its
 * FileStreamSource refuses a position that is no Long; the offset store keeps it a Double.
 */
import { javaDoubleToString, javaFloatToString } from "./java-number-text.ts";

export class JavaDouble {
  constructor(readonly value: number) {}

  valueOf(): number {
    return this.value;
  }

  /** `Double.toString`. */
  toString(): string {
    return javaDoubleToString(this.value);
  }

  /**
   * `Double.equals` (and `Float.equals` for a JavaFloat): the same class and the same value bits,
   * so NaN equals NaN, 0.0 is not -0.0, and a Float never equals a Double.
   */
  equals(other: unknown): boolean {
    return other instanceof JavaDouble && other.constructor === this.constructor && Object.is(other.value, this.value);
  }

  /** As Jackson writes a Double: `5.0`, `1.0E20` (a non-finite one as JSON.stringify writes the number). */
  toJSON(): unknown {
    return Number.isFinite(this.value) ? JSON.rawJSON(this.toString()) : this.value;
  }
}

/**
 * A `java.lang.Float` in a schemaless value (Cast to float32 makes one): it prints and is written as
 * Float.toString does, the shortest decimal that reads back as the float (`0.1`, where the double
 * it holds prints `0.10000000149011612`), and answers FLOAT32 / `java.lang.Float` for its type. A
 * JavaDouble to every reader that only wants the number (its value is that float's exact double,
 * as Float.doubleValue() gives). Values with a schema hold FLOAT32 as plain numbers.
 */
export class JavaFloat extends JavaDouble {
  /** `Float.toString`. */
  override toString(): string {
    return javaFloatToString(this.value);
  }
}

/** A Float as a schemaless value (`value` rounded to float32 first). */
export function schemalessFloat(value: number): JavaFloat {
  return new JavaFloat(Math.fround(value));
}

/** A Double as a schemaless value: a JavaDouble when integral (or -0.0), else the number itself. */
export function schemalessDouble(value: number): number | JavaDouble {
  return Number.isInteger(value) ? new JavaDouble(value) : value;
}

/** The number of a JavaDouble; any other value as it is. */
export function unboxDouble(value: unknown): unknown {
  return value instanceof JavaDouble ? value.value : value;
}
