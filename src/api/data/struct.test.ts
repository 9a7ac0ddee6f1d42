/**
 * Struct.put / validate and validateValue refuse as Connect's ConnectSchema.validateValue does, with
 * its messages (recorded from connect-api 4.3.1's Struct.put and ConnectSchema.validateValue): the
 * value's Java class, the schema's name when it has one, and where the value sits.
 */
import { describe, expect, test } from "bun:test";
import { JavaDouble, JavaFloat } from "./java-double.ts";
import { SchemaBuilder, Schemas } from "./schema.ts";
import { Struct, validateValue } from "./struct.ts";

const map = SchemaBuilder.map(Schemas.STRING, Schemas.FLOAT64).build();
const schema = SchemaBuilder.struct()
  .field("x", Schemas.FLOAT64)
  .field("n", SchemaBuilder.float64().name("my.D").build())
  .field("arr", SchemaBuilder.array(Schemas.FLOAT64).build())
  .field("m", map)
  .field("s", Schemas.STRING)
  .field("l", Schemas.INT64)
  .build();

describe("validateValue's refusals (ConnectSchema.validateValue)", () => {
  test.each<[string, unknown, string]>([
    ["x", new JavaFloat(0.1), 'Invalid Java object for schema with type FLOAT64: class java.lang.Float for field: "x"'],
    [
      "n",
      new JavaFloat(0.1),
      'Invalid Java object for schema "my.D" with type FLOAT64: class java.lang.Float for field: "n"',
    ],
    [
      "arr",
      [new JavaFloat(0.1)],
      'Invalid Java object for schema with type FLOAT64: class java.lang.Float for element of array field: "arr"',
    ],
    [
      "m",
      new Map([[1, 1.5]]),
      'Invalid Java object for schema with type STRING: class java.lang.Integer for key of map field: "m"',
    ],
    [
      "m",
      new Map([["a", new JavaFloat(1)]]),
      'Invalid Java object for schema with type FLOAT64: class java.lang.Float for value of map field: "m"',
    ],
    ["arr", [null], 'Invalid value: null used for required element of array field: "arr", schema type: FLOAT64'],
    ["x", null, 'Invalid value: null used for required field: "x", schema type: FLOAT64'],
    ["s", 5, 'Invalid Java object for schema with type STRING: class java.lang.Integer for field: "s"'],
    ["l", "x", 'Invalid Java object for schema with type INT64: class java.lang.String for field: "l"'],
    ["x", new Map(), 'Invalid Java object for schema with type FLOAT64: class java.util.HashMap for field: "x"'],
  ])("Struct.put(%p, %p)", (field, value, message) => {
    expect(() => new Struct(schema).put(field, value)).toThrow(message);
  });

  test.each<[string, () => void, string]>([
    [
      "a Float for FLOAT64",
      () => validateValue(Schemas.FLOAT64, new JavaFloat(0.1)),
      "Invalid Java object for schema with type FLOAT64: class java.lang.Float for value",
    ],
    [
      "an array's element",
      () => validateValue(SchemaBuilder.array(Schemas.FLOAT64).build(), [new JavaFloat(1)]),
      "Invalid Java object for schema with type FLOAT64: class java.lang.Float for element of array value",
    ],
    [
      "a map's value",
      () => validateValue(map, new Map([["a", new JavaDouble(1)]])),
      "Invalid Java object for schema with type FLOAT64: class java.lang.Double for value of map value",
    ],
    [
      "null",
      () => validateValue(Schemas.FLOAT64, null),
      "Invalid value: null used for required value, schema type: FLOAT64",
    ],
    [
      "a struct's unset field",
      () => new Struct(schema).validate(),
      'Invalid value: null used for required field: "x", schema type: FLOAT64',
    ],
  ])("validateValue: %s", (_what, run, message) => {
    expect(run).toThrow(message);
  });
});
