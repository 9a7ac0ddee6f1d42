/**
 * How the HTTP connectors show an endpoint URL wherever people see it: log lines, task status
 * traces, error messages (and so REST answers) and the dead letter queue's and error reporters'
 * headers. Called by the HTTP sink (delivery.ts, url-template.ts) and the HTTP source (task.ts,
 * page-fetcher.ts, page-guard.ts); HttpClient shows a request's URLs by the request's `showUrl`.
 *
 * A URL given through a config provider, wholly (`url=${file:/etc/hooks.properties:slack}`) or in
 * part (`https://hooks.slack.com/services/${env:SLACK_HOOK}`), is one the user chose to keep out of
 * the config, as Connect's REST answers the unresolved `${…}` text for it; webhook URLs carry their
 * secret as a path segment (Slack, Teams, Discord), which the plain masking (redactUrl: user info
 * and key-like query values) leaves as it is. Such a URL shows as its origin followed by `/…`
 * (`https://hooks.slack.com/…`), and so does every URL its requests reach (redirect hops, a
 * source's next pages): path, query and fragment are never shown. A literal URL shows as
 * redactUrl shows it. What is sent is never changed.
 */
import { HIDDEN } from "../util/logger.ts";
import { redactUrl } from "./http-client.ts";

/** How messages show a URL. */
export type ShowUrl = (url: string) => string;

/** What stands for the hidden path, query and fragment of a URL from a config provider. */
export const HIDDEN_PATH = "/…";

/**
 * `url`'s origin (scheme, host, port) followed by `/…`; user info, path, query and fragment are not
 * shown. Text that is not a URL with a host shows as the logger's `[hidden]`: nothing of it.
 */
export function originOnly(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return HIDDEN;
  }
  return parsed.host ? `${parsed.protocol}//${parsed.host}${HIDDEN_PATH}` : HIDDEN;
}

/** Path segments this long or longer are token-like: shorter ones are too likely an answer's ordinary words. */
const SEGMENT_MIN_LENGTH = 16;

/**
 * What an answer may echo of a URL from a config provider, to hide in the response text messages
 * quote (an error page quoting the request line: `no route for POST /services/T0/B0/XXXX`): its
 * path with its query, its path alone, and each path segment, of 16 characters or more (each also
 * decoded, unless that adds a `/`); none holding a `${…}` placeholder (filled per request).
 * Not a URL: nothing.
 */
export function echoedUrlParts(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const parts = [`${parsed.pathname}${parsed.search}`, parsed.pathname, ...parsed.pathname.split("/")];
  // A part whose decoded form gains a `/` (`application%2Fjson`) is not added decoded: that form
  // is ordinary text (a Content-Type every answer may name).
  const decoded = parts
    .filter((part) => !/%2f/i.test(part))
    .map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return part;
      }
    });
  return [...new Set([...parts, ...decoded])].filter(
    (part) => part.length >= SEGMENT_MIN_LENGTH && !part.includes("${") && !part.includes("$%7B"),
  );
}

/**
 * How messages show a URL that came through a config provider (`originOnly`: its key's raw value
 * held a reference a provider resolved, PluginContext.providedKeys) or not (redactUrl).
 */
export function shownUrl(fromProvider: boolean): ShowUrl {
  return fromProvider ? originOnly : redactUrl;
}
