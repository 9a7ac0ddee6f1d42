// Writes every page of src/docs-catalog.ts under the repository root; removes stale plugin pages.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { generatedDocs } from "../src/docs-catalog.ts";

const root = join(import.meta.dir, "..");
const docs = generatedDocs();
mkdirSync(join(root, "docs/plugins"), { recursive: true });
for (const file of readdirSync(join(root, "docs/plugins"))) {
  if (!docs.has(`docs/plugins/${file}`)) rmSync(join(root, "docs/plugins", file));
}
for (const [path, content] of docs) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}
console.log(`wrote ${docs.size} pages`);
