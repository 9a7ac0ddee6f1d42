import { describe, expect, test } from "bun:test";
import { ConfigError } from "../errors.ts";
import { type ConfigDef, check, defineConfig, key } from "./config-def.ts";
import { Password } from "./config-key.ts";
import { describeConfig } from "./describe-config.ts";

const def = defineConfig({
  file: key.string({ doc: "The file", default: null, importance: "HIGH" }),
  topic: key.string({ doc: "The topic", importance: "HIGH", validators: [check.nonEmpty()] }),
  "batch.size": key.int({ doc: "Batch", default: 2000, importance: "LOW", validators: [check.atLeast(1)] }),
  enabled: key.boolean({ doc: "On", default: false, group: "Common", displayName: "Enabled" }),
  names: key.list({ doc: "Names", default: [], group: "Common" }),
  secret: key.password({ doc: "Secret", default: null }),
});

describe("ConfigDef", () => {
  test("parses strings the way Connect's ConfigDef does", () => {
    const parsed = def.parse({ topic: " t ", "batch.size": "10", enabled: "TRUE", names: "a , b,c", secret: "s3cr3t" });
    expect(parsed.topic).toBe("t");
    expect(parsed["batch.size"]).toBe(10);
    expect(parsed.enabled).toBe(true);
    expect(parsed.names).toEqual(["a", "b", "c"]);
    expect(parsed.file).toBeNull();
    expect(parsed.secret).toBeInstanceOf(Password);
    expect(parsed.secret?.value()).toBe("s3cr3t");
    expect(String(parsed.secret)).toBe("[hidden]");
  });

  test.each([
    [
      { topic: "t", "batch.size": "abc" },
      "batch.size",
      [
        "Invalid value abc for configuration batch.size: Not a number of type INT",
        // ConfigDef.validate runs the validators on null after a parse failure (issue 8).
        "Invalid value null for configuration batch.size: Value must be non-null",
      ],
    ],
    [
      { topic: "t", "batch.size": "0" },
      "batch.size",
      "Invalid value 0 for configuration batch.size: Value must be at least 1",
    ],
    [
      { topic: "t", enabled: "yes" },
      "enabled",
      "Invalid value yes for configuration enabled: Expected value to be either true or false",
    ],
    [{}, "topic", 'Missing required configuration "topic" which has no default value.'],
    [{ topic: "" }, "topic", "Invalid value  for configuration topic: String may not be empty"],
  ])("reports Connect's message for %p", (raw, name, message) => {
    const result = def.validate(raw);
    expect(result.get(name)?.errors).toEqual(Array.isArray(message) ? message : [message]);
  });

  test("a reason a validator throws as it is hides the credentials of the value it quotes", () => {
    const quoting = defineConfig({
      proxy: key.string({
        doc: "Proxy",
        validators: [
          (value) => {
            throw new ConfigError(`Cannot reach ${value}`);
          },
        ],
      }),
    });
    expect(quoting.validate({ proxy: "alice:s3cret@proxy:3128" }).get("proxy")?.errors).toEqual([
      "Cannot reach ***@proxy:3128",
    ]);
    // The value quoted is one value: a raw space in it ends no credential.
    expect(quoting.validate({ proxy: "http://u:s3 cret@h:${port}/?my token=t0 k" }).get("proxy")?.errors).toEqual([
      "Cannot reach http://***@h:${port}/?my token=***",
    ]);
  });

  test("keeps the parsed value of a key that fails a validator, like Connect", () => {
    expect(def.validate({ topic: "t", "batch.size": "0" }).get("batch.size")).toEqual({
      value: "0",
      errors: ["Invalid value 0 for configuration batch.size: Value must be at least 1"],
    });
  });

  test("describes keys as ConfigKeyInfo with Connect's defaults and order", () => {
    const infos = describeConfig(def);
    expect(infos[2]).toEqual({
      name: "batch.size",
      type: "INT",
      required: false,
      default_value: "2000",
      importance: "LOW",
      documentation: "Batch",
      group: null,
      order_in_group: -1,
      width: "NONE",
      display_name: "batch.size",
      dependents: [],
    });
    expect(infos[1]?.required).toBe(true);
    expect(infos.slice(3, 5).map((i) => [i.group, i.order_in_group, i.display_name])).toEqual([
      ["Common", 1, "Enabled"],
      ["Common", 2, "names"],
    ]);
    expect(infos[5]?.type).toBe("PASSWORD");
    expect(Object.keys(infos[0]!)).toEqual([
      "name",
      "type",
      "required",
      "default_value",
      "importance",
      "documentation",
      "group",
      "order_in_group",
      "width",
      "display_name",
      "dependents",
    ]);
  });

  describe("a LONG key", () => {
    const longs = defineConfig({
      "timeout.ms": key.long({ doc: "Timeout", default: 0, validators: [check.atLeast(0)] }),
    });
    test.each([
      [" 9223372036854775807 ", "9223372036854775807", 2 ** 63],
      ["+0012", "12", 12],
    ])("takes %p as Java's Long.parseLong does, showing the exact long", (raw, shown, parsed) => {
      expect(longs.validate({ "timeout.ms": raw }).get("timeout.ms")).toEqual({ value: shown, errors: [] });
      // Beyond 2^53 the number read is the nearest double.
      expect(longs.parse({ "timeout.ms": raw })["timeout.ms"]).toBe(parsed);
    });
    test("names the exact long when a validator refuses it", () => {
      expect(longs.validate({ "timeout.ms": "-9223372036854775808" }).get("timeout.ms")).toEqual({
        value: "-9223372036854775808",
        errors: ["Invalid value -9223372036854775808 for configuration timeout.ms: Value must be at least 0"],
      });
    });
    test.each(["9223372036854775808", "-9223372036854775809", "1e3", "1.0"])(
      "refuses %p with Connect's message",
      (raw) => {
        expect(longs.validate({ "timeout.ms": raw }).get("timeout.ms")?.errors).toEqual([
          `Invalid value ${raw} for configuration timeout.ms: Not a number of type LONG`,
          "Invalid value null for configuration timeout.ms: Value must be non-null",
        ]);
      },
    );
  });

  describe("a DOUBLE key", () => {
    const doubles = defineConfig({ ratio: key.double({ doc: "Ratio", default: 0 }) });
    test.each([
      [" 0.8d ", 0.8],
      ["1.5f", 1.5],
      ["1.", 1],
      [".5", 0.5],
      ["1e3", 1000],
      ["-Infinity", -Infinity],
      ["0x1.8p1", 3],
    ])("takes %p as Java's Double.parseDouble does", (raw, parsed) => {
      expect(doubles.parse({ ratio: raw }).ratio).toBe(parsed);
    });
    test.each(["0x10", "0b1", "1_0", "NaNd", ""])("refuses %p with Connect's message", (raw) => {
      expect(doubles.validate({ ratio: raw }).get("ratio")?.errors[0]).toBe(
        `Invalid value ${raw} for configuration ratio: Not a number of type DOUBLE`,
      );
    });
  });

  test("never shows a password's value", () => {
    expect(def.validate({ topic: "t", secret: "s3cr3t" }).get("secret")?.value).toBe("[hidden]");
  });
});

// secretp4-b P3-2: a value given through a config provider is quoted as its key's showProvided
// says in every kind of message: a parse failure, a validator's and a validation-only validator's.
describe("a key declaring showProvided", () => {
  const shown = (value: string) => `<${value.length} chars>`;
  const provided = defineConfig({
    port: key.int({ doc: "Port", default: 80, validators: [check.atLeast(1)], showProvided: shown }),
    endpoint: key.string({
      doc: "Endpoint",
      default: null,
      validationOnly: [(value: string | null) => (value?.startsWith("https:") === false ? "Not https" : undefined)],
      showProvided: shown,
    }),
  });
  const errors = (raw: Record<string, string>, keys: ReadonlySet<string>, config: ConfigDef = provided) =>
    [...config.validate(raw, keys).values()].flatMap((r) => r.errors);

  test("a value that does not parse, given through a provider, is quoted as showProvided says", () => {
    expect(errors({ port: "eighty/Xs3cret" }, new Set(["port"]))).toEqual([
      "Invalid value <14 chars> for configuration port: Not a number of type INT",
      "Invalid value null for configuration port: Value must be non-null",
    ]);
    expect(() => provided.parse({ port: "eighty/Xs3cret" }, new Set(["port"]))).toThrow(
      "Invalid value <14 chars> for configuration port: Not a number of type INT",
    );
  });

  test("a value a validator refuses, given through a provider, is quoted as showProvided says", () => {
    expect(errors({ port: "0" }, new Set(["port"]))).toEqual([
      "Invalid value <1 chars> for configuration port: Value must be at least 1",
    ]);
  });

  test("a value a validation-only validator refuses, given through a provider, is quoted as showProvided says", () => {
    expect(errors({ endpoint: "http://h/Xs3cret" }, new Set(["endpoint"]))).toEqual([
      "Invalid value <16 chars> for configuration endpoint: Not https",
    ]);
    // Parsing does not run it.
    expect(provided.parse({ endpoint: "http://h/Xs3cret" }, new Set(["endpoint"])).endpoint).toBe("http://h/Xs3cret");
  });

  test("literal values are quoted as they are", () => {
    expect(errors({ port: "eighty/Xs3cret", endpoint: "http://h/Xs3cret" }, new Set(["other"]))).toEqual([
      "Invalid value eighty/Xs3cret for configuration port: Not a number of type INT",
      "Invalid value null for configuration port: Value must be non-null",
      "Invalid value http://h/Xs3cret for configuration endpoint: Not https",
    ]);
  });

  // secretp5: a validator is told a value came through a provider, so a literal's reason may quote it.
  describe("a validator whose reason quotes the value", () => {
    const quoting = (value: string | null, fromProvider?: boolean) =>
      value?.includes("$") ? (fromProvider ? "Bad text" : `Bad text ${value}`) : undefined;
    const quoted = defineConfig({
      shown: key.string({ doc: "Shown", default: null, validators: [quoting, quoting], showProvided: shown }),
      plain: key.string({ doc: "Plain", default: null, validators: [quoting] }),
      later: key.string({ doc: "Later", default: null, validationOnly: [quoting], showProvided: shown }),
    });
    const raw = { shown: "h/$Xs3cret", plain: "h/$Xs3cret", later: "h/$Xs3cret" };

    test("gives a provider's value of a key declaring showProvided a reason quoting none of it", () => {
      const all = new Set(Object.keys(raw));
      expect(errors(raw, all, quoted)).toEqual([
        "Invalid value <10 chars> for configuration shown: Bad text",
        "Invalid value <10 chars> for configuration shown: Bad text",
        // Without showProvided the value is quoted as a literal: so is the reason.
        "Invalid value h/$Xs3cret for configuration plain: Bad text h/$Xs3cret",
        "Invalid value <10 chars> for configuration later: Bad text",
      ]);
      expect(() => quoted.parse({ shown: raw.shown }, all)).toThrow(
        new Error("Invalid value <10 chars> for configuration shown: Bad text"),
      );
    });

    test("gives a literal value its reason quoting it", () => {
      expect(errors(raw, new Set(), quoted)).toEqual([
        "Invalid value h/$Xs3cret for configuration shown: Bad text h/$Xs3cret",
        "Invalid value h/$Xs3cret for configuration shown: Bad text h/$Xs3cret",
        "Invalid value h/$Xs3cret for configuration plain: Bad text h/$Xs3cret",
        "Invalid value h/$Xs3cret for configuration later: Bad text h/$Xs3cret",
      ]);
    });
  });

  // secretp5-b P3-1: a validator that passed a provider's value when told `provided` let an invalid
  // value through validation (no error) while parsing, which ran it without, refused it.
  describe("a validator whose verdict changes when told provided", () => {
    const wavering = (_value: string | null, fromProvider?: boolean) => (fromProvider ? undefined : "bad");
    const wavers = defineConfig({
      checked: key.string({ doc: "Checked", default: null, validators: [wavering], showProvided: shown }),
      later: key.string({ doc: "Later", default: null, validationOnly: [wavering], showProvided: shown }),
    });
    const raw = { checked: "h/Xs3cret", later: "h/Xs3cret" };
    const all = new Set(Object.keys(raw));

    test("refuses the value all the same, with a reason naming nothing; a literal with the validator's", () => {
      const refused = "Invalid value <9 chars> for configuration checked";
      expect(() => wavers.parse({ checked: raw.checked }, all)).toThrow(new Error(refused));
      expect({ provided: errors(raw, all, wavers), literal: errors(raw, new Set(), wavers) }).toEqual({
        provided: [refused, "Invalid value <9 chars> for configuration later"],
        literal: [
          "Invalid value h/Xs3cret for configuration checked: bad",
          "Invalid value h/Xs3cret for configuration later: bad",
        ],
      });
    });
  });

  test("providedShown quotes as validate does: showProvided for a provided value, else nothing", () => {
    expect(provided.providedShown("endpoint", "http://h/Xs3cret", true)).toBe("<16 chars>");
    expect(provided.providedShown("endpoint", "http://h/Xs3cret", false)).toBeUndefined();
    expect(def.providedShown("file", "/etc/x", true)).toBeUndefined();
    expect(provided.providedShown("undeclared", "x", true)).toBeUndefined();
  });
});
