/**
 * ResolvedSecrets: the values config providers resolved (`${vault:path:token}` and the like), kept
 * hidden from the logs with a bounded memory. A provider value can change (a rotated token), and
 * every resolution of a connector's config (start, restart, validation) may see a new one: kept
 * for the process's life, they would only grow. Here each reference keeps its `perReference` most
 * recent distinct values, and at most `references` references are remembered (the least recently
 * resolved is forgotten first). What runs holds its own values on top (Worker: a connector's and a
 * task's for as long as they run), so a value in use stays hidden however often its reference
 * rotates meanwhile; a forgotten value is released, and no longer hidden once nothing holds it.
 */

/** The part of LogManager this needs: holding secrets until released. */
export interface SecretHolder {
  holdSecrets(secrets: Iterable<string>): () => void;
}

interface History {
  /** Oldest first; each with the release of its hold. */
  readonly values: { readonly value: string; readonly release: () => void }[];
}

export class ResolvedSecrets {
  /** Per reference (`provider:path:key`), least recently resolved first (Map order). */
  private readonly byReference = new Map<string, History>();

  constructor(
    private readonly holder: SecretHolder,
    private readonly limits: { readonly perReference: number; readonly references: number } = {
      perReference: 8,
      references: 1024,
    },
  ) {}

  /** `value` was just resolved for `reference`: it is hidden, and the reference's newest. */
  remember(reference: string, value: string): void {
    const history = this.byReference.get(reference) ?? { values: [] };
    this.byReference.delete(reference);
    this.byReference.set(reference, history);
    const at = history.values.findIndex((v) => v.value === value);
    const entry = at >= 0 ? history.values.splice(at, 1)[0]! : { value, release: this.holder.holdSecrets([value]) };
    history.values.push(entry);
    while (history.values.length > this.limits.perReference) history.values.shift()!.release();
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
