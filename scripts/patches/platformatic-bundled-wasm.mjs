// @platformatic/kafka's WebAssembly, applied by scripts/patch-dependencies.mjs with the others: the library loads its
// CRC32C/LZ4/Snappy WebAssembly from a file next to @platformatic/wasm-utils' index, which a `bun build --compile`
// binary does not contain (it crashes at start: ENOENT /$bunfs/dist/native.wasm); the package's `bundled` entry
// inlines the same module, so its two importers are pointed there. Their tests: src/kafka/dependency-patches.test.ts
// (CRC32C from the inlined module), src/kafka/crc32c.test.ts and src/kafka/record-codecs.test.ts.
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

export const platformaticBundledWasmPatches = [
  {
    file: "node_modules/@platformatic/kafka/dist/protocol/crc32c.js",
    from: `import { crc32c as wasmCRC32C } from '@platformatic/wasm-utils';`,
    to: `import { crc32c as wasmCRC32C } from '@platformatic/wasm-utils/bundled'; // edge-gateway patch`,
  },
  {
    file: "node_modules/@platformatic/kafka/dist/protocol/compression.js",
    from: `import { lz4Compress, lz4Decompress, snappyCompress, snappyDecompress } from '@platformatic/wasm-utils';`,
    to: `import { lz4Compress, lz4Decompress, snappyCompress, snappyDecompress } from '@platformatic/wasm-utils/bundled'; // edge-gateway patch`,
  },
];
