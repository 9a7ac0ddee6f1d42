/**
 * A JSON number with a fraction or exponent as Jackson binds it into `Object`: a `java.lang.Double`,
 * not a long. KIP-875 offsets keep the difference (the REST layer binds their values so): Connect
 * parses a sink's `kafka_offset` from `String.valueOf(value)` ("5.0" is no long) and its
 * FileStreamSource refuses a position that is no Long. It serializes as the plain number.
 */
import { javaDoubleToString } from "./java-text.ts";

export class JavaDouble {
  constructor(readonly value: number) {}

  valueOf(): number {
    return this.value;
  }

  /** `Double.toString`. */
  toString(): string {
    return javaDoubleToString(this.value);
  }

  toJSON(): number {
    return this.value;
  }
}
