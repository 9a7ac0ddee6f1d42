/**
 * Runs a tool the tests use to make material (openssl, keytool) in `dir` and returns its standard
 * output; a non-zero exit throws with the command and its standard error.
 */
export async function runCommand(dir: string, cmd: readonly string[]): Promise<string> {
  const proc = Bun.spawn([...cmd], { cwd: dir, stdout: "pipe", stderr: "pipe" });
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  if (code !== 0) throw new Error(`${cmd.slice(0, 3).join(" ")} failed (exit ${code}): ${err}`);
  return out;
}

/** `openssl …args` in `dir`; its standard output. */
export function openssl(dir: string, ...args: string[]): Promise<string> {
  return runCommand(dir, ["openssl", ...args]);
}
