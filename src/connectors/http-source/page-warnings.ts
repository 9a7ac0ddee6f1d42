/**
 * The HTTP source's warnings about pages that do not fit its config, which fail nothing and would
 * otherwise pass unnoticed: `http.response.records.path` finds nothing to select in the response
 * (its array, or whatever it selects from, is absent: an API answering an error document with 200,
 * or a path that does not match the API), and `http.offset.field` gives no string or number for
 * some records (with CURSOR the offset never moves past them: each poll fetches them again). One
 * WARN per episode: said when a condition starts, again only after a page without it. Used by
 * HttpSourceTask after each page it reads.
 */
import type { Logger } from "../../util/logger.ts";
import type { PageContent, PageRecordsOptions } from "./poll-run.ts";
import { selectAll } from "./records.ts";

/** Whatever `path` selects its records from: the path without a trailing `[*]` or `.*`. */
function containerPath(path: string): string | undefined {
  const m = /^(.*?)(?:\[\*\]|\.\*)$/.exec(path);
  return m && m[1] !== "" ? m[1] : undefined;
}

/** Whether `path` selected nothing because the response lacks what it selects from. */
function recordsPathAbsent(json: unknown, path: string): boolean {
  const container = containerPath(path);
  if (container === undefined) return true;
  try {
    return selectAll(json, container).length === 0;
  } catch {
    return true;
  }
}

export class PageWarnings {
  private readonly ongoing = new Set<"records" | "offset">();

  constructor(
    private readonly o: PageRecordsOptions,
    private readonly log: Logger,
  ) {}

  /** After reading a page of the request `where` (method and redacted URL) whose JSON is `json`. */
  observe(where: string, json: unknown, page: PageContent): void {
    const path = this.o.recordsPath;
    this.episode(
      "records",
      page.elements.length === 0 && recordsPathAbsent(json, path),
      () =>
        `http.response.records.path ${path} selects nothing in the response of ${where}: the response has ${
          containerPath(path) === undefined ? "no value there" : `nothing at ${containerPath(path)}`
        } (an error document answered with a success status, or a path that does not fit the API?); the page has no records`,
    );
    const field = this.o.mode === "NONE" ? null : this.o.offsetField;
    const missing = field === null ? 0 : page.values.reduce<number>((n, v) => (v === null ? n + 1 : n), 0);
    this.episode(
      "offset",
      missing > 0,
      () =>
        `http.offset.field ${field} gives no string or number in ${missing} of ${page.elements.length} records of ${where}: ${
          this.o.mode === "CURSOR"
            ? "they do not move the cursor (if the last records lack it, the next poll starts from the same cursor and fetches them again)"
            : "they do not move the offset"
        }`,
    );
  }

  private episode(kind: "records" | "offset", holds: boolean, message: () => string): void {
    if (!holds) {
      this.ongoing.delete(kind);
      return;
    }
    if (this.ongoing.has(kind)) return;
    this.ongoing.add(kind);
    this.log.warn(message());
  }
}
