// @platformatic/kafka's diagnostics context, applied by scripts/patch-dependencies.mjs with the others: it copied an
// object per request (a spread); every caller passes a fresh object literal, so it is extended in place instead. Its
// test: src/kafka/dependency-patches.test.ts (every patch whole in the installed file).
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

export const platformaticDiagnosticsPatches = [
  {
    file: "node_modules/@platformatic/kafka/dist/diagnostic.js",
    from: `    return { operationId: operationId++, ...context };`,
    // edge-gateway patch: every caller passes a fresh object literal; no copy of it per call
    to: `    context.operationId = operationId++; // edge-gateway patch: no spread per call
    return context;`,
  },
];
