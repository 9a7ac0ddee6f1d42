// @platformatic/kafka's option validators, applied by scripts/patch-dependencies.mjs with the others: the library
// compiles its 38 ajv option validators when its index is imported (~150 ms of CPU and ~27 MiB on the gateway's start,
// before /health answers); they are made to compile on first use instead. Its test: src/kafka/dependency-patches.test.ts
// ("option validators compile on first use").
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

export const platformaticLazyValidatorsPatches = [
  {
    file: "node_modules/@platformatic/kafka/dist/utils.js",
    from: `});
export class NumericMap extends Map {`,
    to: `});
// edge-gateway patch: validators compile on first use, not at import
const compileNow = ajv.compile.bind(ajv);
ajv.compile = (schema) => {
    let compiled;
    const validate = function (...args) {
        compiled ??= compileNow(schema);
        const valid = compiled.apply(this, args);
        validate.errors = compiled.errors;
        return valid;
    };
    validate.errors = null;
    return validate;
};
export class NumericMap extends Map {`,
  },
];
