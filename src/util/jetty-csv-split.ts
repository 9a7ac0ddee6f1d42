/**
 * A comma-separated value split as Jetty's `StringUtil.csvSplit` makes it, which Connect's
 * `response.http.headers.config` validator and Jetty's HeaderFilter both read that key with
 * (response-http-headers.ts): items are trimmed (Java's Character.isWhitespace), an item in double
 * quotes keeps its commas and spaces (a backslash escapes the next character, anything after the
 * closing quote up to the next comma is dropped), an empty item between two commas is kept as "",
 * a trailing comma adds none.
 */

const isWhitespace = (ch: string) =>
  /[\t\n\v\f\r\x1c-\x20\u1680\u2000-\u2006\u2008-\u200a\u2028\u2029\u205f\u3000]/.test(ch);

type State = "preData" | "quote" | "slosh" | "data" | "white" | "postData";

export function jettyCsvSplit(s: string): string[] {
  const items: string[] = [];
  let state: State = "preData";
  let out = "";
  // Where the trailing whitespace of an unquoted item starts (dropped if the item ends there).
  let dataEnd = -1;
  for (const ch of s) {
    switch (state) {
      case "preData":
        if (isWhitespace(ch)) continue;
        if (ch === '"') state = "quote";
        else if (ch === ",") items.push("");
        else {
          state = "data";
          out += ch;
        }
        continue;
      case "data":
      case "white":
        if (ch === ",") {
          items.push(state === "white" ? out.slice(0, dataEnd) : out);
          out = "";
          state = "preData";
        } else if (isWhitespace(ch)) {
          if (state === "data") dataEnd = out.length;
          state = "white";
          out += ch;
        } else {
          state = "data";
          out += ch;
        }
        continue;
      case "quote":
        if (ch === "\\") state = "slosh";
        else if (ch === '"') {
          items.push(out);
          out = "";
          state = "postData";
        } else out += ch;
        continue;
      case "slosh":
        out += ch;
        state = "quote";
        continue;
      case "postData":
        if (ch === ",") state = "preData";
        continue;
    }
  }
  if (state === "data" || state === "quote" || state === "slosh") items.push(out);
  else if (state === "white") items.push(out.slice(0, dataEnd));
  return items;
}
