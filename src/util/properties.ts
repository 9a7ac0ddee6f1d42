/**
 * Java `.properties` files (java.util.Properties.load), as connect-standalone reads its worker
 * and connector files: `key=value`, `key: value` or `key value`; `#`/`!` comments; a trailing
 * backslash continues the line; `\t \n \r \f \uXXXX` escapes; other escaped characters stand for
 * themselves.
 */
function unescapeJava(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, c: string) => {
    if (c.length === 5) return String.fromCharCode(Number.parseInt(c.slice(1), 16));
    return c === "t" ? "\t" : c === "n" ? "\n" : c === "r" ? "\r" : c === "f" ? "\f" : c;
  });
}

export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^[ \t\f]+/, "");
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    // An odd number of trailing backslashes continues the logical line.
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, "");
    }
    let k = 0;
    while (k < line.length) {
      const c = line[k]!;
      if (c === "\\") {
        k += 2;
        continue;
      }
      if (c === "=" || c === ":" || c === " " || c === "\t" || c === "\f") break;
      k++;
    }
    const key = line.slice(0, k);
    let rest = line.slice(k).replace(/^[ \t\f]+/, "");
    if (rest.startsWith("=") || rest.startsWith(":")) rest = rest.slice(1).replace(/^[ \t\f]+/, "");
    out[unescapeJava(key)] = unescapeJava(rest);
  }
  return out;
}

/**
 * Worker keys from the environment the way Confluent's Connect images map them:
 * `CONNECT_BOOTSTRAP_SERVERS` → `bootstrap.servers`; `___` → `-`, `__` → `_`, `_` → `.`.
 */
export function configFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  prefix = "CONNECT_",
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, { value }] of environmentKeys(env, prefix)) out[key] = value;
  return out;
}

/** The CONNECT_* environment variable that sets a worker key (`environmentKeys`' mapping, reversed). */
export function environmentVariableOf(key: string): string {
  return `CONNECT_${key.toUpperCase().replace(/_/g, "__").replace(/-/g, "___").replace(/\./g, "_")}`;
}

/** Each config key set in the environment, with the variable that set it (for error messages). */
export function environmentKeys(
  env: Readonly<Record<string, string | undefined>>,
  prefix = "CONNECT_",
): Map<string, { variable: string; value: string }> {
  const out = new Map<string, { variable: string; value: string }>();
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix) || value === undefined) continue;
    const key = name
      .slice(prefix.length)
      .toLowerCase()
      .replace(/___/g, "\u0001")
      .replace(/__/g, "\u0002")
      .replace(/_/g, ".")
      .replace(/\u0001/g, "-")
      .replace(/\u0002/g, "_");
    if (key !== "") out.set(key, { variable: name, value });
  }
  return out;
}
