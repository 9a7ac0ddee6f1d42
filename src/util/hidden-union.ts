/**
 * A text with every part hidden that any of several maskings of it hid: for url-credentials.ts
 * hideValueCredentials, whose URL pass and scheme-less pass each see what the other may cut (a
 * scheme-less `svc-token:s3cretZm9v%3D%3D@proxy:3128` in a parameter's value: the URL pass reads
 * its decoding `svc-token:s3cretZm9v==@…` as a parameter `svc-token:s3cretZm9v` and hides only
 * its end, after which the scheme-less pass finds no `@host`).
 */

import { type HiddenRange, hiddenParts, withRangesHidden } from "./percent-encoded-secrets.ts";

/**
 * `text` with the parts each of `maskings` (the text with parts replaced by `***`) hid replaced by
 * `***`; all of it when a masking is no such text.
 */
export function hiddenUnion(text: string, maskings: readonly string[]): string {
  const changed = maskings.filter((masking) => masking !== text);
  if (changed.length <= 1) return changed[0] ?? text;
  const ranges: HiddenRange[] = [];
  for (const masking of changed) ranges.push(...(hiddenParts(text, masking) ?? [[0, text.length] as const]));
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of ranges) {
    const last = merged[merged.length - 1];
    if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return withRangesHidden(text, merged);
}
