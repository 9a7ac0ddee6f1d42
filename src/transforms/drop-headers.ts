/**
 * DropHeaders (org.apache.kafka.connect.transforms.DropHeaders): removes every header whose key is
 * one of the configured names; the rest keep their order.
 */
import type { ConnectRecord } from "../api/record.ts";
import type { Transformation } from "../api/transformation.ts";
import { defineConfig, key } from "../plugin/config-def.ts";
import { nonEmptyValues } from "./util/config.ts";
import { transformation } from "./util/descriptors.ts";

const config = defineConfig({
  headers: key.list({
    doc: "The name of the headers to be removed.",
    importance: "HIGH",
    validators: [nonEmptyValues("headers")],
  }),
});

export class DropHeaders implements Transformation {
  private headers: ReadonlySet<string> = new Set();

  configure(configs: Readonly<Record<string, string>>): void {
    this.headers = new Set(config.parse(configs).headers);
  }

  apply<R extends ConnectRecord>(record: R): R {
    return { ...record, headers: record.headers.removeAll(this.headers) };
  }
}

export const dropHeaders = transformation(
  "DropHeaders",
  "Removes one or more headers, by key, from each record.",
  config,
  () => new DropHeaders(),
);
