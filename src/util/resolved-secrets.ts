/**
 * ResolvedSecrets: the values config providers resolved (`${vault:path:token}` and the like), kept
 * hidden from the logs with a bounded memory. A provider value can change (a rotated token), and
 * every resolution of a connector's config (start, restart, validation) may see a new one: kept
 * for the process's life, they would only grow. Here each reference keeps its `perReference` most
 * recent distinct values, and always every value its latest resolution reported (a value composed
 * around a reference reports itself and each list element glued to a resolved value under its raw
 * text: a list of nine such elements reports ten values at once, and released the first at once
 * with a bound of 8), and at most `references` references are remembered (the least recently
 * resolved is forgotten first). A value keeps its `hidden` texts hidden with it (a provider value
 * and its list elements). What runs holds its own values on top (Worker: a connector's and a
 * task's for as long as they run), so a value in use stays hidden however often its reference
 * rotates meanwhile; a forgotten value is released, and no longer hidden once nothing holds it.
 */

/** The part of LogManager this needs: holding secrets until released. */
export interface SecretHolder {
  holdSecrets(secrets: Iterable<string>): () => void;
}

interface History {
  /** Oldest first; each with the resolution that last reported it and the release of its hold. */
  readonly values: { readonly value: string; resolution: object | undefined; readonly release: () => void }[];
}

/** How a value was resolved: `hidden`, what it keeps hidden (itself by default); `resolution`, which one reported it. */
export interface Remembered {
  readonly hidden?: readonly string[];
  /** The same object for every value one resolution reports (resolved-values.ts resolvingWith). */
  readonly resolution?: object;
}

export class ResolvedSecrets {
  /**
   * Per reference (`provider:path:key`, or the raw text of a value composed around references),
   * least recently resolved first (Map order).
   */
  private readonly byReference = new Map<string, History>();

  constructor(
    private readonly holder: SecretHolder,
    private readonly limits: { readonly perReference: number; readonly references: number } = {
      perReference: 8,
      references: 1024,
    },
  ) {}

  /** `value` was just resolved for `reference`: it is hidden, and the reference's newest. */
  remember(reference: string, value: string, { hidden = [value], resolution }: Remembered = {}): void {
    const history = this.byReference.get(reference) ?? { values: [] };
    this.byReference.delete(reference);
    this.byReference.set(reference, history);
    const at = history.values.findIndex((v) => v.value === value);
    const entry =
      at >= 0 ? history.values.splice(at, 1)[0]! : { value, resolution, release: this.holder.holdSecrets(hidden) };
    entry.resolution = resolution;
    history.values.push(entry);
    // The latest resolution's values are the newest, together at the end: none of them goes.
    const latest = (v: History["values"][number]) => resolution !== undefined && v.resolution === resolution;
    while (history.values.length > this.limits.perReference && !latest(history.values[0]!)) {
      history.values.shift()!.release();
    }
    while (this.byReference.size > this.limits.references) {
      const [oldest, forgotten] = this.byReference.entries().next().value!;
      this.byReference.delete(oldest);
      for (const v of forgotten.values) v.release();
    }
  }

  /** How many values are remembered (over every reference). */
  get size(): number {
    let n = 0;
    for (const h of this.byReference.values()) n += h.values.length;
    return n;
  }
}
