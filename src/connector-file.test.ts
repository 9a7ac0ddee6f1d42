/**
 * Connector files read as connect-standalone 4.3.1 reads them (ConnectStandalone
 * .parseConnectorConfigurationFile): the messages were checked against it, run on the same files.
 */
import { describe, expect, test } from "bun:test";
import { tempDir } from "../test/support/temp-dir.ts";
import { parseConnectorFile, readConnectorFile } from "./connector-file.ts";

describe("parseConnectorFile", () => {
  test.each([
    [
      "c.properties",
      "name=p\nconnector.class=FileStreamSource\n",
      { name: "p", "connector.class": "FileStreamSource" },
    ],
    ["c.json", '{"name": "flat", "tasks.max": 1, "x": true}', { name: "flat", "tasks.max": "1", x: "true" }],
    ["c.json", '{"name": "n", "config": {"topic": "t"}}', { name: "n", topic: "t" }],
    // JSON in a file of any name, and properties in a .json file, as connect-standalone tries both.
    ["c.properties", '{"name": "j"}', { name: "j" }],
    ["c.json", "name=p\n", { name: "p" }],
  ])("%s %s", (path, text, config) => {
    expect(parseConnectorFile(path, text)).toEqual({ name: config.name, config });
  });

  test.each([
    ["noname.properties", "connector.class=FileStreamSource\ntopic=x\n"],
    // Not JSON: read as properties, which have no name.
    ["broken.json", '{"name": "j", "config": {'],
  ])("%s without a name: connect-standalone's message", (path, text) => {
    expect(() => parseConnectorFile(path, text)).toThrow(
      `Connector configuration at '${path}' is missing the mandatory 'name' configuration`,
    );
  });

  test("a name in config other than the file's name: connect-standalone's message", () => {
    expect(() => parseConnectorFile("mismatch.json", '{"name": "a", "config": {"name": "b"}}')).toThrow(
      "Connector name configuration in 'config' doesn't match the one specified in 'name' at 'mismatch.json'",
    );
  });

  test.each([
    ["PAUSED", "PAUSED"],
    ["stopped", "STOPPED"],
    ["Running", "RUNNING"],
  ] as const)("initial_state %s (KIP-980): %s, upper-cased as InitialState.forValue", (given, state) => {
    const text = JSON.stringify({ name: "n", config: { topic: "t" }, initial_state: given });
    expect(parseConnectorFile("c.json", text)).toEqual({
      name: "n",
      config: { topic: "t", name: "n" },
      initialState: state,
    });
  });

  test("initial_state null or absent: none (the connector runs)", () => {
    const text = '{"name": "n", "config": {}, "initial_state": null}';
    expect(parseConnectorFile("c.json", text).initialState).toBeUndefined();
    expect(parseConnectorFile("c.json", '{"name": "n", "config": {}}').initialState).toBeUndefined();
  });

  test.each([
    [
      '"sleeping"',
      "No enum constant org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest.InitialState.SLEEPING",
    ],
    ["1", "No enum constant org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest.InitialState.1"],
    ['["PAUSED"]', "initial_state must be RUNNING, PAUSED or STOPPED, not an object or array"],
  ])("initial_state %s: the JSON form fails, the properties reading has no name; the reason is given", (value, why) => {
    const text = `{"name": "n", "config": {"topic": "t"}, "initial_state": ${value}}`;
    expect(() => parseConnectorFile("c.json", text)).toThrow(
      `Connector configuration at 'c.json' is missing the mandatory 'name' configuration (`,
    );
    expect(() => parseConnectorFile("c.json", text)).toThrow(why);
  });

  // opswalk: a JSON file with a syntax error was reported only as missing its name.
  test.each([
    [
      '{"name": "n", "config": {"topic": "t"}',
      "not valid JSON: a ',' or '}' must follow a property's value at line 1 column 39",
    ],
    [
      '  {"name": "n",\n "config": {"topic": "t",}}',
      "not valid JSON: a property name must be a string in double quotes at line 2 column 26",
    ],
    [
      '{"name": "n", "config": {"topics": ["a", "b"]}}',
      'a JSON object, but neither a flat map of strings, numbers, booleans or nulls nor {"name": …, "config": {…}} with such values',
    ],
  ])("a file meant as JSON that neither form reads gives the reason: %s", (text, why) => {
    expect(() => parseConnectorFile("c.json", text)).toThrow(
      `Connector configuration at 'c.json' is missing the mandatory 'name' configuration (${why})`,
    );
  });

  // opswalk-b: the reason was JSON.parse's, which quotes the file: `Unexpected identifier "Hunter2SecretXyz"`.
  // opswalk-c: each case's exact reason and position, so the parser's message put back fails each.
  const VALUE_KINDS = "a value must be a string in double quotes, a number, true, false, null, an object or an array";
  test.each([
    ['{"name": "api", "http.auth.password": Hunter2SecretXyz}', `${VALUE_KINDS} at line 1 column 39`],
    [
      '{"name": "api", "http.auth.password": "Hunter2\\SecretXyz"}',
      "an invalid escape sequence in a string at line 1 column 39",
    ],
    [
      '{"name": "api", "http.auth.password": "Hunter2SecretXyz\n"}',
      "a control character (such as a line break) inside a string at line 1 column 39",
    ],
    [
      '{"name": "api", "http.auth.password": 0Hunter2SecretXyz}',
      "a ',' or '}' must follow a property's value at line 1 column 40",
    ],
  ])("the reason quotes nothing of the file: %s", (text, why) => {
    let message = "";
    try {
      parseConnectorFile("c.json", text);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(
      `Connector configuration at 'c.json' is missing the mandatory 'name' configuration (not valid JSON: ${why})`,
    );
    expect(message).not.toContain("Hunter2");
    expect(message).not.toContain("SecretXyz");
  });

  test("a flat map of numbers, booleans and nulls is read as strings", () => {
    expect(parseConnectorFile("c.json", '{"name": "n", "tasks.max": 2, "enabled": true, "x": null}')).toEqual({
      name: "n",
      config: { name: "n", "tasks.max": "2", enabled: "true" },
    });
  });

  test("a properties file that is not JSON gets connect-standalone's message alone", () => {
    expect(() => parseConnectorFile("c.properties", "topic=t\n")).toThrow(
      /^Connector configuration at 'c.properties' is missing the mandatory 'name' configuration$/,
    );
  });

  test("a properties text Java's Properties.load refuses names the file", () => {
    expect(() => parseConnectorFile("bad.properties", "name=bad\nfile=\\u12\n")).toThrow(
      "bad.properties is not a valid properties file: Malformed \\uxxxx encoding.",
    );
  });
});

describe("readConnectorFile", () => {
  test("a properties file in Latin-1 reads as connect-standalone reads it (ISO-8859-1)", async () => {
    await using dir = await tempDir();
    const path = dir.file("latin1.properties");
    await Bun.write(path, new Uint8Array([...Buffer.from("name=caf"), 0xe9, ...Buffer.from("\ntopic=t\n")]));
    expect(readConnectorFile(path)).toEqual({ name: "caf\u00e9", config: { name: "caf\u00e9", topic: "t" }, path });
  });

  test("a file that cannot be read names it", async () => {
    await using dir = await tempDir();
    const path = dir.file("missing.properties");
    expect(() => readConnectorFile(path)).toThrow(`Cannot read the connector configuration file ${path}: ENOENT`);
  });
});
