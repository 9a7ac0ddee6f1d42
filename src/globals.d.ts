// Standard APIs Bun implements that the bundled TypeScript lib does not declare yet.
interface JSON {
  /** ES2024 JSON.parse source text access companion: a value JSON.stringify writes verbatim. */
  rawJSON(text: string): unknown;
  isRawJSON(value: unknown): boolean;
}
