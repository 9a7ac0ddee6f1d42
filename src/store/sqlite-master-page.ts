/**
 * rootPageOf: a table's root page read from an SQLite file's page 1 (sqlite_master) as raw bytes,
 * without SQLite (https://www.sqlite.org/fileformat2.html, b-tree pages and the record format).
 * wal-check.ts uses it before SQLite opens the file, to tell the spool's append commits (they
 * write `sqlite_sequence`'s page) from its deletes.
 */

/** An SQLite varint at `at`: its value and length (values past 2^53 lose precision, unused here). */
function varint(b: Uint8Array, at: number): [number, number] {
  let v = 0;
  for (let i = 0; i < 8; i++) {
    const byte = b[at + i]!;
    v = v * 128 + (byte & 0x7f);
    if (byte < 0x80) return [v, i + 1];
  }
  return [v * 256 + b[at + 8]!, 9];
}

/**
 * The root page of table `name` from page 1 (sqlite_master) when it is one leaf page with every
 * row on it (a small schema, as the spool's), else undefined.
 */
export function rootPageOf(page1: Uint8Array, name: string): number | undefined {
  const header = 100;
  if (page1.length < header + 8 || page1[header] !== 0x0d) return undefined;
  const cells = (page1[header + 3]! << 8) | page1[header + 4]!;
  for (let c = 0; c < cells; c++) {
    const cellAt = header + 8 + 2 * c;
    let at = (page1[cellAt]! << 8) | page1[cellAt + 1]!;
    const [payload, n1] = varint(page1, at);
    at += n1;
    at += varint(page1, at)[1]; // rowid
    if (at + payload > page1.length) continue; // overflows: not one of the spool's rows
    const [headerSize, n2] = varint(page1, at);
    const types: number[] = [];
    for (let h = at + n2; h < at + headerSize; ) {
      const [type, n] = varint(page1, h);
      types.push(type);
      h += n;
    }
    let field = at + headerSize;
    const values: (string | number | undefined)[] = [];
    for (const type of types) {
      const size = type >= 12 ? (type - 12) >> 1 : ([0, 1, 2, 3, 4, 6, 8, 8, 0, 0][type] ?? 0);
      if (type >= 13 && type % 2 === 1) values.push(new TextDecoder().decode(page1.subarray(field, field + size)));
      else if (type >= 1 && type <= 6) {
        let v = 0;
        for (let k = 0; k < size; k++) v = v * 256 + page1[field + k]!;
        values.push(v);
      } else values.push(type === 9 ? 1 : type === 8 ? 0 : undefined);
      field += size;
    }
    if (values[0] === "table" && values[1] === name && typeof values[3] === "number") return values[3];
  }
  return undefined;
}
