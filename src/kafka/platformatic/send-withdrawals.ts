/**
 * SendWithdrawals: which batches of PlatformaticProducer's sends made with `WithdrawableSendOptions.withdrawKey` the
 * producer may give back (KafkaProducer.withdraw), by that key. A send's entry is opened when it is called, learns its
 * batches (one per partition) once they are appended and forgets them when the send settles: before and after, nothing
 * is taken back. The pipeline decides whether a batch can still be taken back (RecordAccumulator.withdraw).
 */
import type { Batch } from "./partition-batches.ts";

/** One send's batches, by partition group (the send's record indexes each holds). */
export class SendWithdrawal {
  private groups: { readonly indexes: readonly number[]; readonly batch: Batch | undefined }[] | undefined;
  /** The groups taken back, by their index; undefined until one is (most sends never have one). */
  private taken: Set<number> | undefined;

  /** The send's batches were appended: `groups[g]`'s records are in `appended[g].batch` (absent: refused at once). */
  appended(
    groups: readonly { readonly indexes: readonly number[] }[],
    appended: readonly { readonly batch?: Batch }[],
  ): void {
    this.groups = groups.map((g, i) => ({ indexes: g.indexes, batch: appended[i]!.batch }));
  }

  /** The send settled: nothing more is taken back. */
  settled(): void {
    this.groups = undefined;
  }

  /** Group `g` was taken back: its records' metadata is null, and its failure none of the send's. */
  withdrawn(g: number): boolean {
    return this.taken?.has(g) === true;
  }

  /**
   * Takes back each batch made only of records `indexes` names that `take` (RecordAccumulator.withdraw) gives back;
   * returns their records' indexes, ascending.
   */
  withdraw(indexes: readonly number[], take: (b: Batch) => boolean): number[] {
    const groups = this.groups;
    if (groups === undefined) return [];
    const asked = new Set(indexes);
    const taken: number[] = [];
    for (let g = 0; g < groups.length; g++) {
      const { indexes: of, batch } = groups[g]!;
      if (this.withdrawn(g) || batch === undefined || !of.every((i) => asked.has(i)) || !take(batch)) continue;
      this.taken ??= new Set();
      this.taken.add(g);
      taken.push(...of);
    }
    return taken.sort((a, b) => a - b);
  }
}

export class SendWithdrawals {
  private readonly sends = new WeakMap<object, SendWithdrawal>();

  /** The entry of the send made with `key` (a new one). */
  open(key: object): SendWithdrawal {
    const send = new SendWithdrawal();
    this.sends.set(key, send);
    return send;
  }

  /** KafkaProducer.withdraw of the send made with `key` (nothing of an unknown key). */
  withdraw(key: object, indexes: readonly number[], take: (b: Batch) => boolean): readonly number[] {
    return this.sends.get(key)?.withdraw(indexes, take) ?? [];
  }
}
