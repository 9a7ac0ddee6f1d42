/**
 * org.apache.kafka.connect.converters.{Short,Integer,Long,Float,Double}Converter: a number as the
 * big-endian fixed-width bytes Kafka's serializers write (2, 4, 8, 4 and 8 bytes), read back with
 * the optional INT16/INT32/INT64/FLOAT32/FLOAT64 schema. Both Converters and HeaderConverters. An
 * INT64 reads as a number, or a bigint beyond ±2^53.
 *
 * Apache's converter casts the value to its serializer's class and ignores the schema, so only a
 * value of that very class is written: a number's class is its schema's type (an INT32 value is an
 * Integer, refused by LongConverter; a FLOAT64 a Double, refused by FloatConverter rather than
 * narrowed). A schemaless number has no class beyond Long or Double here, so it is taken when it fits.
 */

import type { Converter, HeaderConverter, SchemaAndValue } from "../api/converter.ts";
import { JavaDouble, JavaFloat } from "../api/data/java-double.ts";
import { NUMBER_CLASS_NAMES, schemalessClassOf } from "../api/data/java-text.ts";
import { int64Value, type Schema, Schemas } from "../api/data/schema.ts";
import { DataError, serializationException } from "../errors.ts";
import { defineConfig } from "../plugin/config-def.ts";
import { converterTypeKey, withConverterType } from "./converter-config.ts";

export const numberConverterConfig = defineConfig({ "converter.type": converterTypeKey() });

/** One fixed-width number format: how Kafka's serializer for it writes and reads. */
interface NumberFormat {
  /** The name Apache's messages use (`Failed to deserialize short: `). */
  readonly typeName: string;
  readonly schema: Schema;
  /** The Java class of the numbers it writes. */
  readonly className: string;
  readonly size: number;
  /** The deserializer's name in its size error (Float's and Double's say just `Deserializer`). */
  readonly deserializerName: string;
  accepts(value: unknown): boolean;
  write(view: DataView, value: unknown): void;
  read(view: DataView): unknown;
}

const isIntIn = (value: unknown, bits: number) =>
  Number.isInteger(value) && (value as number) >= -(2 ** (bits - 1)) && (value as number) < 2 ** (bits - 1);

const SHORT: NumberFormat = {
  typeName: "short",
  schema: Schemas.OPTIONAL_INT16,
  className: "java.lang.Short",
  size: 2,
  deserializerName: "ShortDeserializer",
  accepts: (v) => isIntIn(v, 16),
  write: (view, v) => view.setInt16(0, v as number),
  read: (view) => view.getInt16(0),
};

const INTEGER: NumberFormat = {
  typeName: "integer",
  schema: Schemas.OPTIONAL_INT32,
  className: "java.lang.Integer",
  size: 4,
  deserializerName: "IntegerDeserializer",
  accepts: (v) => isIntIn(v, 32),
  write: (view, v) => view.setInt32(0, v as number),
  read: (view) => view.getInt32(0),
};

const LONG: NumberFormat = {
  typeName: "long",
  schema: Schemas.OPTIONAL_INT64,
  className: "java.lang.Long",
  size: 8,
  deserializerName: "LongDeserializer",
  accepts: (v) =>
    (typeof v === "bigint" && BigInt.asIntN(64, v) === v) || (Number.isInteger(v) && Math.abs(v as number) < 2 ** 63),
  write: (view, v) => view.setBigInt64(0, BigInt(v as number | bigint)),
  read: (view) => int64Value(view.getBigInt64(0)),
};

const FLOAT: NumberFormat = {
  typeName: "float",
  schema: Schemas.OPTIONAL_FLOAT32,
  className: "java.lang.Float",
  size: 4,
  deserializerName: "Deserializer",
  // Without a schema only a Float is one; a plain number is a Long or a Double, which Java's cast refuses.
  accepts: (v) => v instanceof JavaFloat,
  write: (view, v) => view.setFloat32(0, Number(v)),
  read: (view) => view.getFloat32(0),
};

const DOUBLE: NumberFormat = {
  typeName: "double",
  schema: Schemas.OPTIONAL_FLOAT64,
  className: "java.lang.Double",
  size: 8,
  deserializerName: "Deserializer",
  accepts: (v) => typeof v === "number" || (v instanceof JavaDouble && !(v instanceof JavaFloat)),
  write: (view, v) => view.setFloat64(0, Number(v)),
  read: (view) => view.getFloat64(0),
};

/** The shared behaviour of the five number converters (Apache's NumberConverter). */
abstract class NumberConverter implements Converter, HeaderConverter {
  constructor(private readonly format: NumberFormat) {}

  /** `isKey` is given in the converter role; without it the converter is a header converter. */
  configure(configs: Readonly<Record<string, string>>, isKey?: boolean): void {
    numberConverterConfig.parse(withConverterType(configs, isKey));
  }

  fromConnectData(_topic: string, _headers: unknown, schema: Schema | null, value: unknown): Uint8Array | null {
    if (value === null || value === undefined) return null;
    const { format } = this;
    const isNumber = typeof value === "number" || typeof value === "bigint" || value instanceof JavaDouble;
    const schemaClass = schema && isNumber ? NUMBER_CLASS_NAMES[schema.type] : undefined;
    if (schemaClass !== undefined ? schemaClass !== format.className : !format.accepts(value)) {
      const className = schemaClass === undefined ? schemalessClassOf(value) : `class ${schemaClass}`;
      throw new DataError(`Failed to serialize to ${format.typeName} (was ${className}): `);
    }
    const bytes = new Uint8Array(format.size);
    format.write(new DataView(bytes.buffer), value);
    return bytes;
  }

  toConnectData(_topic: string, _headers: unknown, value: Uint8Array | null): SchemaAndValue {
    const { format } = this;
    if (value === null) return { schema: format.schema, value: null };
    if (value.length !== format.size) {
      throw new DataError(`Failed to deserialize ${format.typeName}: `, {
        cause: serializationException(`Size of data received by ${format.deserializerName} is not ${format.size}`),
      });
    }
    return { schema: format.schema, value: format.read(new DataView(value.buffer, value.byteOffset, value.length)) };
  }

  fromConnectHeader(topic: string, _headerKey: string, schema: Schema | null, value: unknown): Uint8Array | null {
    return this.fromConnectData(topic, undefined, schema, value);
  }

  toConnectHeader(topic: string, _headerKey: string, value: Uint8Array | null): SchemaAndValue {
    return this.toConnectData(topic, undefined, value);
  }
}

export class ShortConverter extends NumberConverter {
  constructor() {
    super(SHORT);
  }
}

export class IntegerConverter extends NumberConverter {
  constructor() {
    super(INTEGER);
  }
}

export class LongConverter extends NumberConverter {
  constructor() {
    super(LONG);
  }
}

export class FloatConverter extends NumberConverter {
  constructor() {
    super(FLOAT);
  }
}

export class DoubleConverter extends NumberConverter {
  constructor() {
    super(DOUBLE);
  }
}
