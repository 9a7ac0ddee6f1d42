import { describe, expect, test } from "bun:test";
import { JsonConverter } from "../../converters/json-converter.ts";
import { SimpleHeaderConverter } from "../../converters/simple-header-converter.ts";
import { HeaderFrom } from "../../transforms/header-from.ts";
import { InsertField } from "../../transforms/insert-field.ts";
import { VALUE_SIDE } from "../../transforms/util/record-side.ts";
import { mapCopy, mapLike, mapRemove } from "../../transforms/util/schemaless-map.ts";
import { sinkRecord } from "../../transforms/util/test-support.ts";
import { Headers } from "./headers.ts";
import { javaMapEntries, setJavaMapOrigin } from "./java-map-order.ts";
import { javaToString } from "./java-text.ts";

function read(json: string, schemas = false): { schema: never; value: unknown } {
  const c = new JsonConverter();
  c.configure({ "schemas.enable": String(schemas) }, false);
  return c.toConnectData("t", Headers.EMPTY, new TextEncoder().encode(json)) as never;
}

const keysOf = (map: Map<unknown, unknown> | Record<string, unknown>) => javaMapEntries(map).map(([k]) => k);

// The expected lines are what Apache Kafka Connect 4.3.1's FileStreamSink wrote for the same input
// (explore9 F1, and test/fixtures/runtime/fixtures.json, which test/runtime-recorded.test.ts replays).
describe("javaToString of maps JsonConverter reads (Java's HashMap order)", () => {
  test("a schemaless object, nested ones and integer-like keys", () => {
    expect(javaToString(read('{"b":1,"a":2,"name":"x","id":3}').value)).toBe("{a=2, b=1, name=x, id=3}");
    const nested = read('{"z":{"y":1,"x":[1,2],"BB":{"q":1,"Aa":2}},"a":[{"y":1,"x":2}],"10":1,"2":2}');
    expect(javaToString(nested.value)).toBe("{a=[{x=2, y=1}], 2=2, z={BB={Aa=2, q=1}, x=[1, 2], y=1}, 10=1}");
  });

  test("map schemas keyed by strings, ints (Integer.hashCode, not Long's), longs and booleans", () => {
    const cases = [
      [
        '{"type":"string"},"values":{"type":"int64"}',
        '{"zeta":1,"alpha":2,"id":3,"Bb":4}',
        "{zeta=1, Bb=4, alpha=2, id=3}",
      ],
      [
        '{"type":"int32"},"values":{"type":"string"}',
        '[[-1,"m1"],[16,"s"],[0,"z"],[-2,"m2"],[100000,"big"],[1,"one"]]',
        "{-1=m1, 16=s, 0=z, -2=m2, 100000=big, 1=one}",
      ],
      [
        '{"type":"int64"},"values":{"type":"boolean"}',
        "[[-1,true],[4294967296,false],[3,true],[17,false]]",
        "{-1=true, 4294967296=false, 17=false, 3=true}",
      ],
      ['{"type":"boolean"},"values":{"type":"string"}', '[[true,"t"],[false,"f"]]', "{false=f, true=t}"],
    ] as const;
    for (const [types, payload, line] of cases) {
      const { schema, value } = read(`{"schema":{"type":"map","keys":${types}},"payload":${payload}}`, true);
      expect(javaToString(value, schema)).toBe(line);
    }
  });

  test("map schemas keyed by lists (List.hashCode of the elements' hashes; runhunt3 hunt3-envelope-types)", () => {
    const cases = [
      ['{"type":"array","items":{"type":"int32"}}', '[[[1,2],"x"],[[],"e"]]', "{[]=e, [1, 2]=x}"],
      ['{"type":"array","items":{"type":"string","optional":true}}', '[[[null],"n"],[["b"],"x"]]', "{[b]=x, [null]=n}"],
    ] as const;
    for (const [keys, payload, line] of cases) {
      const schema = `{"type":"map","keys":${keys},"values":{"type":"string"}}`;
      const read1 = read(`{"schema":${schema},"payload":${payload}}`, true);
      expect(javaToString(read1.value, read1.schema)).toBe(line);
    }
  });

  test("map schemas keyed by maps (Map.hashCode: the sum of key ^ value hashes; runhunt3 hunt3-map-keys)", () => {
    const schema =
      '{"type":"map","keys":{"type":"map","keys":{"type":"string"},"values":{"type":"int32","optional":true}},"values":{"type":"string"}}';
    const { schema: s, value } = read(
      `{"schema":${schema},"payload":[[{"c":5},"w"],[{"b":2},"x"],[{},"e"],[{"a":1,"zz":null},"y"]]}`,
      true,
    );
    expect(javaToString(value, s)).toBe("{{b=2}=x, {}=e, {zz=null, a=1}=y, {c=5}=w}");
  });

  test("map schemas keyed by decimals (BigDecimal.hashCode; runhunt3 hunt3-map-keys)", () => {
    const keys = '{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"1"}}';
    const schema = `{"type":"map","keys":${keys},"values":{"type":"string"}}`;
    const { schema: s, value } = read(
      `{"schema":${schema},"payload":[["/w==","m"],["MDk=","b"],["AQ==","a"],["AA==","z"]]}`,
      true,
    );
    expect(javaToString(value, s)).toBe("{0.1=a, 0.0=z, -0.1=m, 1234.5=b}");
  });

  test("JsonConverter writes a HashMap in the same order it prints", () => {
    const c = new JsonConverter();
    c.configure({ "schemas.enable": "false" }, false);
    const bytes = c.fromConnectData("t", Headers.EMPTY, null, read('{"b":1,"a":2,"name":"x","id":3}').value);
    expect(new TextDecoder().decode(bytes!)).toBe('{"a":2,"b":1,"name":"x","id":3}');
  });

  test("a LinkedHashMap (Values, Flatten) keeps its insertion order", () => {
    expect(keysOf(setJavaMapOrigin({ b: 1, a: 2, name: 3, id: 4 }, "linked"))).toEqual(["b", "a", "name", "id"]);
  });
});

// Orders checked with java.util.HashMap on Java 25 (copies: Java 19+ sizing).
describe("the table a map starts with", () => {
  test("new HashMap<>(3 keys) then 3 puts stays at 8 buckets: not the order of 6 puts", () => {
    const copied = setJavaMapOrigin(new Map(["id", "when", "amount", "p", "o", "src"].map((k) => [k, 1])), {
      copyOf: 3,
    });
    expect(keysOf(copied)).toEqual(["p", "amount", "id", "when", "src", "o"]);
    expect(keysOf(new Map([...copied]))).toEqual(["p", "amount", "src", "id", "when", "o"]);
  });

  test("a copy that loses a key keeps the table it had", () => {
    const keys = ["zeta", "BB", "alpha", "Aa", "a1", "b", "f0", "x"];
    expect(keysOf(setJavaMapOrigin(new Map(keys.map((k) => [k, 1])), { copyOf: 5 }))).toEqual([
      "zeta",
      "BB",
      "Aa",
      "a1",
      "b",
      "alpha",
      "x",
      "f0",
    ]);
  });

  test("new HashMap<>(n)", () => {
    const keys = ["zeta", "BB", "alpha", "Aa", "id"];
    expect(keysOf(setJavaMapOrigin(new Map(keys.map((k) => [k, 1])), { presized: 5 }))).toEqual([
      "zeta",
      "BB",
      "Aa",
      "id",
      "alpha",
    ]);
  });

  test("a copy is ordered where it is output as if its source had been ordered when copied", () => {
    // mapCopy leaves the source's order to the output (one hash per key); the reference orders the
    // source at the copy, as Java puts its entries in. Sources of 1 to 40 keys (tables of 16 to 64
    // buckets; a copy of up to 6 has fewer than its source), made by puts, presized or linked; then puts, a replaced value and removals.
    let seed = 7;
    const next = () => {
      seed = (seed * 48271) % 2147483647;
      return seed;
    };
    const starts = [false, { presized: 3 }, "linked"] as const;
    for (let round = 0; round < 1000; round++) {
      const source = setJavaMapOrigin(
        new Map(Array.from({ length: 1 + (next() % (round % 2 === 0 ? 8 : 40)) }, () => [`k${next() % 500}`, 1])),
        starts[round % 3]!,
      );
      const lazy = mapCopy(source);
      const eager = setJavaMapOrigin(new Map(javaMapEntries(source) as [string, unknown][]), { copyOf: source.size });
      for (let edit = next() % 12; edit > 0; edit--) {
        // Removals take a key the copy has (a source's key, mostly).
        const key = edit % 4 === 0 && lazy.size > 0 ? [...lazy.keys()][next() % lazy.size]! : `k${next() % 500}`;
        for (const copy of [lazy, eager]) {
          if (edit % 4 === 0) mapRemove(copy, key);
          else copy.set(key, edit);
        }
      }
      const viaObject = mapLike({}, lazy) as Record<string, unknown>;
      expect({ round, keys: keysOf(lazy) }).toEqual({ round, keys: keysOf(eager) });
      expect({ round, keys: keysOf(viaObject) }).toEqual({ round, keys: keysOf(eager) });
    }
  });

  test("InsertField copies the map and puts its fields (its table sized for the copy)", () => {
    const xform = new InsertField(VALUE_SIDE);
    xform.configure({ "static.field": "src", "static.value": "gw", "offset.field": "o", "partition.field": "p" });
    const value = read('{"id":6,"when":1,"amount":1}').value;
    expect(javaToString(xform.apply(sinkRecord({ kafkaOffset: 1, value })).value)).toBe(
      "{p=0, amount=1, id=6, when=1, src=gw, o=1}",
    );
  });
});

// Expected: Apache Kafka Connect 4.3.1's JsonConverter, SimpleHeaderConverter and transformations run
// on Java 25 (Temurin) with the same input.
describe("keys JavaScript reorders, null keys, named int keys, header values", () => {
  const plain = new JsonConverter();
  plain.configure({ "schemas.enable": "false" }, false);
  const write = (value: unknown, schema: never | null = null, c = plain) =>
    new TextDecoder().decode(c.fromConnectData("t", Headers.EMPTY, schema, value)!);

  test("integer-like keys are printed and written in Java's order, not JavaScript's", () => {
    const cases = [
      ['{"10":1,"11":2}', "{11=2, 10=1}", '{"11":2,"10":1}'],
      ['{"a":1,"1":2}', "{a=1, 1=2}", '{"a":1,"1":2}'],
      ['{"z":{"y":1},"a":[1],"10":1,"2":2}', "{a=[1], 2=2, z={y=1}, 10=1}", '{"a":[1],"2":2,"z":{"y":1},"10":1}'],
      ['{"name":1,"2024":1,"2023":1,"id":1}', "{2024=1, name=1, 2023=1, id=1}", '{"2024":1,"name":1,"2023":1,"id":1}'],
    ] as const;
    for (const [input, line, json] of cases) {
      const { value } = read(input);
      expect([javaToString(value), write(value)]).toEqual([line, json]);
    }
  });

  test("a transformation's copy keeps integer-like keys in their Java order", () => {
    const xform = new InsertField(VALUE_SIDE);
    xform.configure({ "static.field": "x", "static.value": "y" });
    const value = xform.apply(sinkRecord({ kafkaOffset: 1, value: read('{"a":1,"1":2}').value })).value;
    expect([javaToString(value), write(value)]).toEqual(["{x=y, a=1, 1=2}", '{"x":"y","a":1,"1":2}']);
  });

  test("a null key hashes to 0 (HashMap's null key), for any key type", () => {
    const envelope = new JsonConverter();
    envelope.configure({ "schemas.enable": "true" }, false);
    const cases = [
      ["int64", '[[1,"b"],[null,"a"]]', "{null=a, 1=b}", '[[null,"a"],[1,"b"]]'],
      ["boolean", '[[false,"f"],[null,"n"]]', "{null=n, false=f}", '[[null,"n"],[false,"f"]]'],
    ] as const;
    for (const [type, payload, line, json] of cases) {
      const { schema, value } = read(
        `{"schema":{"type":"map","keys":{"type":"${type}","optional":true},"values":{"type":"string"}},"payload":${payload}}`,
        true,
      );
      expect(javaToString(value, schema)).toBe(line);
      expect(write(value, schema, envelope)).toEndWith(`"payload":${json}}`);
    }
  });

  test("int keys of a schema named other than Date/Time/Timestamp hash as Integer and Long", () => {
    for (const type of ["int32", "int64"]) {
      const { schema, value } = read(
        `{"schema":{"type":"map","keys":{"type":"${type}","name":"my.Id"},"values":{"type":"string"}},"payload":[[1,"a"],[16,"b"]]}`,
        true,
      );
      expect(javaToString(value, schema)).toBe("{16=b, 1=a}");
    }
  });

  test("SimpleHeaderConverter writes a map header value in the map's order (HeaderFrom copy)", () => {
    const shc = new SimpleHeaderConverter();
    shc.configure({});
    const cases = [
      ['{"m":{"b":1,"a":2,"name":"x","id":3}}', '{"a":2,"b":1,"name":"x","id":3}'],
      ['{"m":{"a":1,"1":2,"10":3}}', '{"a":1,"1":2,"10":3}'],
    ] as const;
    for (const [input, header] of cases) {
      const xform = new HeaderFrom(VALUE_SIDE);
      xform.configure({ fields: "m", headers: "h", operation: "copy" });
      const [h] = [...xform.apply(sinkRecord({ kafkaOffset: 1, value: read(input).value })).headers];
      expect(new TextDecoder().decode(shc.fromConnectHeader("t", h!.key, h!.schema, h!.value)!)).toBe(header);
    }
  });
});
