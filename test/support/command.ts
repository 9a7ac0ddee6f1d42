/**
 * Runs a tool the tests use to make material (openssl, keytool) in `dir` and returns its standard
 * output; a non-zero exit throws with the command and its standard error.
 */
export async function runCommand(dir: string, cmd: readonly string[]): Promise<string> {
  const { code, out, err } = await processResult(Bun.spawn([...cmd], { cwd: dir, stdout: "pipe", stderr: "pipe" }));
  if (code !== 0) throw new Error(`${cmd.slice(0, 3).join(" ")} failed (exit ${code}): ${err}`);
  return out;
}

/** `openssl …args` in `dir`; its standard output. */
export function openssl(dir: string, ...args: string[]): Promise<string> {
  return runCommand(dir, ["openssl", ...args]);
}

/** What a process spawned with its standard output and error piped ends with: its exit code and both outputs. */
export async function processResult(proc: {
  readonly exited: Promise<number>;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
}): Promise<{ code: number; out: string; err: string }> {
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { code, out, err };
}
