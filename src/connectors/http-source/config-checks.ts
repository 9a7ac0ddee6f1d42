/**
 * Checks of single HTTP source config values: positive and non-negative numbers, an http(s) URL
 * template, a JSONPath expression, a Quartz cron expression and an IANA time zone, each returning
 * why the value is unusable or undefined. Used by the key declarations in config.ts, the rules
 * across keys in config-rules.ts and (for the cron options) schedule.ts.
 */
import { JSONPath } from "jsonpath-plus";
import { check } from "../../plugin/config-def.ts";
import { cronRuns } from "./cron-runs.ts";

export const positive = check.atLeast(1);
export const nonNegative = check.atLeast(0);

export function validUrl(template: string): string | undefined {
  try {
    const url = new URL(template.replaceAll("${offset}", "0"));
    return url.protocol === "http:" || url.protocol === "https:" ? undefined : "Must be an http or https URL";
  } catch {
    return "Must be an absolute http or https URL";
  }
}

/**
 * Why a JSONPath expression is unusable, or undefined. Script evaluation is never enabled, so a
 * filter `[?(…)]` or script `[(…)]` segment, which the runtime would refuse at the first poll, is
 * refused here.
 */
export function jsonPathProblem(path: string): string | undefined {
  if (!path.startsWith("$")) return "A JSONPath expression must start with $";
  let depth = 0;
  for (const c of path) {
    if (c === "[") depth++;
    else if (c === "]" && --depth < 0) break;
  }
  if (depth !== 0) return "Unbalanced brackets in the JSONPath expression";
  try {
    // Evaluating against {} may not reach a filter or script segment, which the runtime refuses.
    const refused = JSONPath.toPathArray(path)
      .flatMap(unionMembers)
      .find((segment) => /^\s*\??\(/.test(segment));
    if (refused !== undefined)
      return `Filter and script expressions such as [${refused.trim()}] are not evaluated (no expression in a config runs code); select with names, indexes, slices, * or .. only`;
    JSONPath({ path, json: {}, eval: false, wrap: true });
  } catch (error) {
    return `Invalid JSONPath expression: ${(error as Error).message}`;
  }
  return undefined;
}

/**
 * The members of a union segment (`0,(@.length-1)`: jsonpath-plus keeps it one segment, and a
 * script among its members runs only on a document that has the rest), split at the commas outside
 * quotes and parentheses; any other segment is its only member. jsonpath-plus drops the opening
 * quote of a segment's first member (`['b',(@.c)]` is `b',(@.c)`): a segment whose quotes do not
 * close is split with the quote that closes them put back in front.
 */
function unionMembers(segment: string): string[] {
  return splitUnion(segment) ?? splitUnion(`'${segment}`) ?? splitUnion(`"${segment}`) ?? [segment];
}

/** `segment` split at the commas outside quotes and parentheses; undefined when a quote does not close. */
function splitUnion(segment: string): string[] | undefined {
  const out: string[] = [];
  let quote = "";
  let depth = 0;
  let start = 0;
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      out.push(segment.slice(start, i));
      start = i + 1;
    }
  }
  if (quote) return undefined;
  out.push(segment.slice(start));
  return out;
}

/**
 * Whether a valid JSONPath expression selects at most one node whatever the document: names and
 * single indexes only, no `*`, `..`, union, slice or expression.
 */
export function isDefinitePath(path: string): boolean {
  return JSONPath.toPathArray(path)
    .slice(1)
    .every((segment) => {
      // One quoted name (it may hold `,` or `*`); `'a','b'` is a union.
      if (/^(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")$/.test(segment)) return true;
      return segment !== "*" && segment !== ".." && !/[,:(~^]/.test(segment);
    });
}

/**
 * Why croner cannot run the expression (what Quartz alone refuses is a validation-only rule:
 * validation-only.ts, quartzCronProblems).
 */
export function cronProblem(expression: string, timezone: string): string | undefined {
  try {
    if (cronRuns(expression, timezone).nextRun(new Date()) === null) return "The cron expression never fires";
  } catch (error) {
    return `Invalid cron expression: ${(error as Error).message}`;
  }
  return undefined;
}

export function validTimezone(zone: string): string | undefined {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return undefined;
  } catch {
    return `Unknown time zone ${zone}`;
  }
}
