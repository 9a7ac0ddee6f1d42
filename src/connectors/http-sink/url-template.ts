/**
 * UrlTemplate: the HTTP sink's `url` with `${topic}`, `${partition}` and `${key}` filled in per
 * record, each value URL-encoded (encodeURIComponent: `/`, `\`, `?`, `#` and `%` cannot leave the
 * value's place). A filled URL must name the resource the template names, so these are a DataError
 * (the record goes to errors.tolerance, never to another endpoint): a value that would fill a path
 * segment with `.` or `..` (also `%2e`, in case a server decodes twice); a null or empty value that
 * is a whole path segment (`/items/${key}` would become `/items/`, the collection); a path segment
 * holding a placeholder that comes out `.`, `..` or empty with its literal text (`/items/.${key}`
 * with an empty key); a filled URL that does not parse (validation keeps placeholders out of the
 * authority, so a record never chooses the host; this is the last guard). In the query
 * and fragment a value is data.
 */
import { DataError } from "../../errors.ts";
import { redactUrl } from "../../http/http-client.ts";
import type { ShowUrl } from "../../http/shown-url.ts";

export type Placeholder = "topic" | "partition" | "key";

const PLACEHOLDER = /\$\{(topic|partition|key)\}/g;
const PLACEHOLDER_TEST = /\$\{(topic|partition|key)\}/;
/** `.` and `..`, also percent-encoded: URL parsing would take them as a step up the path. */
const DOT_SEGMENT = /^(\.|%2e){1,2}$/i;

export class UrlTemplate {
  readonly templated: boolean;
  /** Where the template's path ends: a placeholder before it fills a path segment. */
  private readonly pathEnd: number;
  /** The indexes of the path segments (split at `/`) that hold a placeholder. */
  private readonly templatedSegments: readonly number[];

  constructor(
    private readonly url: string,
    private readonly showUrl: ShowUrl = redactUrl,
  ) {
    this.templated = PLACEHOLDER_TEST.test(url);
    const queryOrFragment = url.search(/[?#]/);
    this.pathEnd = queryOrFragment < 0 ? url.length : queryOrFragment;
    this.templatedSegments = url
      .slice(pathStartOf(url), this.pathEnd)
      .split("/")
      .flatMap((segment, i) => (i > 0 && PLACEHOLDER_TEST.test(segment) ? [i] : []));
  }

  /** The URL for a record whose placeholders have these values (a null key as ""); throws DataError. */
  fill(value: (name: Placeholder) => string): string {
    if (!this.templated) return this.url;
    const url = this.url.replace(PLACEHOLDER, (m: string, name: Placeholder, at: number) => {
      const v = value(name);
      if (at < this.pathEnd && DOT_SEGMENT.test(v)) {
        throw new DataError(
          `The record's ${name} "${v}" would be a dot segment of the URL path, moving the request to another resource`,
        );
      }
      if (v === "" && this.wholeSegment(at, m.length)) {
        throw new DataError(
          `The record's ${name} is empty or null: the URL path would have an empty segment, another resource than the template names`,
        );
      }
      return encodeURIComponent(v.toWellFormed());
    });
    this.checkSegments(url);
    if (!URL.canParse(url)) {
      throw new DataError(`The URL filled in with the record's values is not a valid URL: ${this.showUrl(this.url)}`);
    }
    return url;
  }

  /** Whether the placeholder at `at` is a whole path segment of the template (`/${key}/`, `/${key}` at the path's end). */
  private wholeSegment(at: number, length: number): boolean {
    const end = at + length;
    return at < this.pathEnd && this.url[at - 1] === "/" && (end === this.pathEnd || this.url[end] === "/");
  }

  /**
   * Each templated path segment as filled: values are encoded, so the filled path has the
   * template's slashes and its segments line up with the template's.
   */
  private checkSegments(url: string): void {
    if (this.templatedSegments.length === 0) return;
    const filledSegments = url.slice(pathStartOf(url)).split(/[?#]/, 1)[0]!.split("/");
    for (const i of this.templatedSegments) {
      const filled = filledSegments[i] ?? "";
      if (filled === "" || DOT_SEGMENT.test(filled)) {
        throw new DataError(
          `The URL path segment "${filled}" filled in with the record's values would be ${filled === "" ? "empty" : "a dot segment"}, another resource than the template names`,
        );
      }
    }
  }
}

/** Where a URL's path starts: its first slash after the authority (its end when it has no path). */
function pathStartOf(url: string): number {
  const authority = url.indexOf("//");
  const slash = url.slice(authority < 0 ? 0 : authority + 2).search(/[/?#]/);
  return slash < 0 ? url.length : (authority < 0 ? 0 : authority + 2) + slash;
}
