/**
 * The shell libraries of the scripts that record what Apache Kafka's Java code answers, run with a
 * stub `mvn` and a stub JDK (nothing is downloaded, no JVM starts):
 * - test/fixtures/connect-rest/lib.sh's `fetch_connect`, which every Connect oracle script (record*.sh,
 *   scripts/diff-connect…) runs in `lib=$(…)`. Its `dep` helper was deleted once (review-javarest
 *   P1): the pom went to Maven with no dependency, bash went on (no `set -e` inside `$(…)`), and the
 *   empty jar directory was marked complete for every later run.
 * - test/fixtures/reference-jvm.sh, which picks the reference JVM (Java 25): it warns when the JVM is
 *   another one, for the Connect scripts and the generate.sh scripts alike (review-javarest P3-3:
 *   java-regex and properties regenerated silently on Java 17), and a broker the scripts start keeps
 *   the caller's JVM (P3-4).
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { processResult } from "./support/command.ts";
import { REPO } from "./support/kafka.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";

const STUB_MVN = `#!/bin/sh
# STUB_MVN=jars: one empty jar per <dependency> of the pom; empty: no jar at all; fail: exit 1.
pom= out=
while [ $# -gt 0 ]; do
  case $1 in -f) pom=$2; shift ;; -DoutputDirectory=*) out=\${1#-DoutputDirectory=} ;; esac
  shift
done
echo "mvn $STUB_MVN" >>"$(dirname "$pom")/mvn-calls"
case $STUB_MVN in
  fail) exit 1 ;;
  empty) mkdir -p "$out" ;;
  jars)
    mkdir -p "$out"
    grep -o '<artifactId>[^<]*</artifactId><version>[^<]*</version></dependency>' "$pom" |
      sed 's|<artifactId>\\([^<]*\\)</artifactId><version>\\([^<]*\\)</version></dependency>|\\1-\\2.jar|' |
      while read -r jar; do : >"$out/$jar"; done ;;
esac
`;

/** A JDK whose `java` only answers `-XshowSettings:properties` with FAKE_JAVA_VERSION. */
const STUB_JAVA = `#!/bin/sh
echo "    java.specification.version = $FAKE_JAVA_VERSION" >&2
`;

async function stubs(dir: TempDir): Promise<void> {
  for (const [path, text] of [
    ["bin/mvn", STUB_MVN],
    ["jdk/bin/java", STUB_JAVA],
    ["jdk/bin/javac", "#!/bin/sh\n"],
  ] as const) {
    await Bun.write(dir.file(path), text);
    chmodSync(dir.file(path), 0o755);
  }
}

/**
 * Runs `script` in bash (`set -euo pipefail`) after sourcing `lib` (relative to the repository),
 * with the stubs first on PATH, the stub JDK as CONNECT_JAVA_HOME and no JAVA_HOME unless `env`
 * gives one.
 */
async function withSourced(
  dir: TempDir,
  lib: string,
  script: string,
  env: Record<string, string>,
): Promise<{ code: number; out: string; err: string }> {
  const { JAVA_HOME: _callerJavaHome, ...inherited } = process.env;
  const proc = Bun.spawn(["bash", "-c", `set -euo pipefail; source "$0/${lib}"; ${script}`, REPO], {
    env: {
      ...inherited,
      PATH: `${dir.file("bin")}:${process.env.PATH}`,
      EDGE_GATEWAY_CACHE: dir.file("cache"),
      CONNECT_JAVA_HOME: dir.file("jdk"),
      FAKE_JAVA_VERSION: "25",
      ...env,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  return processResult(proc);
}

const CONNECT_LIB = "test/fixtures/connect-rest/lib.sh";
const FETCH = 'lib=$(fetch_connect); echo "lib=$lib"';

describe("test/fixtures/connect-rest/lib.sh fetch_connect", () => {
  test("asks Maven for Connect's four artifacts once, then answers the cached jar directory", async () => {
    await using dir = await tempDir("fixture-scripts-");
    await stubs(dir);
    const lib = dir.file("cache/connect-4.3.1/lib");
    const first = await withSourced(dir, CONNECT_LIB, FETCH, { STUB_MVN: "jars" });
    expect({ code: first.code, out: first.out }).toEqual({ code: 0, out: `lib=${lib}\n` });
    expect(readdirSync(lib).sort()).toEqual([
      ".complete",
      "connect-file-4.3.1.jar",
      "connect-json-4.3.1.jar",
      "connect-runtime-4.3.1.jar",
      "log4j-slf4j-impl-2.25.5.jar",
    ]);
    // Cached: a Maven that would fail is not asked again.
    const second = await withSourced(dir, CONNECT_LIB, FETCH, { STUB_MVN: "fail" });
    expect({ code: second.code, out: second.out }).toEqual({ code: 0, out: `lib=${lib}\n` });
    expect(readFileSync(dir.file("cache/connect-4.3.1/mvn-calls"), "utf8")).toBe("mvn jars\n");
  });

  test("a Maven run that leaves no connect-runtime jar fails the script and is not cached", async () => {
    await using dir = await tempDir("fixture-scripts-");
    await stubs(dir);
    const lib = dir.file("cache/connect-4.3.1/lib");
    const empty = await withSourced(dir, CONNECT_LIB, FETCH, { STUB_MVN: "empty" });
    expect({ code: empty.code, out: empty.out }).toEqual({ code: 1, out: "" });
    expect(empty.err).toContain("Maven fetched no connect-runtime-4.3.1.jar");
    expect(existsSync(lib)).toBe(false);
    // The next run fetches again.
    expect(await withSourced(dir, CONNECT_LIB, FETCH, { STUB_MVN: "jars" })).toMatchObject({
      code: 0,
      out: `lib=${lib}\n`,
    });
  });

  test("a Maven failure fails the script and leaves no jar directory", async () => {
    await using dir = await tempDir("fixture-scripts-");
    await stubs(dir);
    const failed = await withSourced(dir, CONNECT_LIB, FETCH, { STUB_MVN: "fail" });
    expect({ code: failed.code, out: failed.out }).toEqual({ code: 1, out: "" });
    expect(failed.err).toContain("Maven could not fetch Apache Connect");
    expect(existsSync(dir.file("cache/connect-4.3.1/lib"))).toBe(false);
  });
});

describe("test/fixtures/reference-jvm.sh", () => {
  const JVM_LIB = "test/fixtures/reference-jvm.sh";

  test("names the JVM it picked, with a warning unless it is Java 25, for every script sourcing it", async () => {
    await using dir = await tempDir("fixture-scripts-");
    await stubs(dir);
    const java = dir.file("jdk/bin/java");
    // bash -c's $0 is the repository: the messages start with its base name.
    const name = REPO.split("/").pop();
    expect(await withSourced(dir, JVM_LIB, "command -v java", { FAKE_JAVA_VERSION: "25" })).toEqual({
      code: 0,
      out: `${java}\n`,
      err: `${name}: Java 25 (${java})\n`,
    });
    expect(await withSourced(dir, JVM_LIB, "true", { FAKE_JAVA_VERSION: "17" })).toEqual({
      code: 0,
      out: "",
      err: `${name}: Java 17 (${java})\n${name}: warning: the fixtures are recorded on Java 25 (CONNECT_JAVA_HOME names a JDK)\n`,
    });
  });

  test("with_caller_jvm runs a command (a broker) on the caller's PATH and JAVA_HOME", async () => {
    await using dir = await tempDir("fixture-scripts-");
    await stubs(dir);
    const show = `with_caller_jvm sh -c 'echo "$PATH|\${JAVA_HOME-unset}"'`;
    const callerPath = `${dir.file("bin")}:${process.env.PATH}`;
    const unset = await withSourced(dir, JVM_LIB, `echo "$JAVA_HOME"; ${show}`, {});
    expect(unset.out).toBe(`${dir.file("jdk")}\n${callerPath}|unset\n`);
    const own = await withSourced(dir, JVM_LIB, show, { JAVA_HOME: "/opt/caller-jdk" });
    expect(own.out).toBe(`${callerPath}|/opt/caller-jdk\n`);
  });
});
