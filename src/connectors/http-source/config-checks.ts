/**
 * Checks of single HTTP source config values: positive and non-negative numbers, an http(s) URL
 * template, a Quartz cron expression and an IANA time zone, each returning why the value is
 * unusable or undefined (a JSONPath expression: api/data/json-path-problem.ts), and whether a
 * JSONPath selects at most one node. Used by the key declarations in config.ts, the rules
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
