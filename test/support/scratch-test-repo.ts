/**
 * A scratch copy of the repository for tests of scripts/test itself: the real scripts/test and
 * scripts/lib.sh with a fake build and Kafka, and a fake bun (or the repository's own, `realBun`).
 * The fake bun passes every test file it is given and writes bun's JUnit report
 * (`--reporter-outfile`) with each file's seconds from `<file>.seconds` (0.5 when absent); a file
 * named `…fail…` has a failing test (bun then exits 1); a file named `…hang…` makes it start a child
 * and hang (until killed), without a report. Used by test/scripts-test-*.test.ts.
 */
import { chmodSync, copyFileSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const REPO = join(import.meta.dir, "..", "..");

const FAKE_BUN = `#!/usr/bin/env bash
[ "$1" = --version ] && { echo 1.0.0; exit 0; }
report=
files=()
failed=0
for f in "$@"; do
  case "$f" in
    --reporter-outfile=*) report=\${f#--reporter-outfile=} ;;
    test|-*|[0-9]*) ;;
    *hang*)
      echo "$f:"; echo "(pass) before the hang"
      # A child the test started, which holds the shard's output open (Bun.spawn's stderr: inherit).
      sleep 601 & echo "$!" >"\${f%.test.ts}.child"
      exec sleep 600 ;;
    *) files+=("$f") ;;
  esac
done
for f in "\${files[@]}"; do
  case "$f" in
    *fail*) printf '%s:\\nerror: expect(received).toBe(expected)\\n(fail) broken [1.00ms]\\n\\n' "\${f#./}"; failed=$((failed + 1)) ;;
    *) printf '%s:\\n(pass) fine [1.00ms]\\n\\n' "\${f#./}" ;;
  esac
done
printf ' %d pass\\n %d fail\\nRan %d tests across %d files.\\n' "$((\${#files[@]} - failed))" "$failed" "\${#files[@]}" "\${#files[@]}"
if [ -n "$report" ]; then
  {
    echo '<testsuites name="bun test">'
    for f in "\${files[@]}"; do
      seconds=0.5
      [ -f "\${f%.test.ts}.seconds" ] && seconds=$(cat "\${f%.test.ts}.seconds")
      printf '  <testsuite name="%s" file="%s" tests="1" time="%s" hostname="vm">\\n' "\${f#./}" "\${f#./}" "$seconds"
      printf '    <testcase name="fine" classname="" time="0.001" file="%s" line="1" assertions="0" />\\n' "\${f#./}"
      echo '  </testsuite>'
    done
    echo '</testsuites>'
  } >"$report"
fi
[ "$failed" -eq 0 ]
`;

const FAKE_KAFKA = `#!/usr/bin/env bash
[ "$1" = start ] && printf 'bootstrap=127.0.0.1:1\\nversion=0.0.0\\n'
exit 0
`;

function executable(path: string, text: string): void {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

/**
 * Makes `dir` such a scratch repository, with an empty test/durations.txt. `realBun`: the
 * repository's bun instead of the fake, for what hangs on bun's own output (its JUnit report).
 */
export function scratchTestRepo(dir: string, { realBun = false } = {}): void {
  for (const d of ["scripts", "test", "src", "node_modules/.bin"]) mkdirSync(join(dir, d), { recursive: true });
  for (const f of ["scripts/test", "scripts/lib.sh"]) copyFileSync(join(REPO, f), join(dir, f));
  const bun = join(dir, "node_modules/.bin/bun");
  if (realBun) symlinkSync(realpathSync(join(REPO, "node_modules/.bin/bun")), bun);
  else executable(bun, FAKE_BUN);
  executable(join(dir, "scripts/build"), "#!/usr/bin/env bash\nexit 0\n");
  executable(join(dir, "scripts/kafka"), FAKE_KAFKA);
  writeFileSync(join(dir, "scripts/patch-dependencies.mjs"), "");
  writeFileSync(join(dir, "test/durations.txt"), "# seconds file\n");
}

/** Runs scripts/test in the scratch repository `dir` with `env` added: its output and exit code. */
export async function scriptsTest(
  dir: string,
  env: Record<string, string>,
): Promise<{ out: string; err: string; code: number }> {
  const run = Bun.spawn(["scripts/test"], {
    cwd: dir,
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(run.stdout).text(),
    new Response(run.stderr).text(),
    run.exited,
  ]);
  return { out, err, code };
}
