/**
 * Connect's ConnectUtils.patchConfig, behind PATCH /connectors/{name}/config: a HashMap copy of the
 * stored config (a HashMap itself), patched in the body's order, a null value removing its key.
 * The answer and the stored config keep that map's order.
 */
import { JavaHashMapOrder, javaHashOrder } from "../util/java-hash-order.ts";

export function patchConfig(
  current: Record<string, string>,
  patch: Record<string, string | null>,
): Record<string, string> {
  const order = JavaHashMapOrder.copyOf(javaHashOrder(Object.keys(current)));
  // A Map, not an object: a patched key may be `__proto__`.
  const values = new Map(Object.entries(current));
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      order.remove(k);
      values.delete(k);
    } else {
      order.put(k);
      values.set(k, v);
    }
  }
  return Object.fromEntries(order.keys().map((k) => [k, values.get(k) as string]));
}
