// @platformatic/kafka's group ids, applied by scripts/patch-dependencies.mjs with the others: its consumer and its
// admin client's group listings refused a group id holding whitespace ("/options/groupId must match pattern
// "^\S+$""), which Kafka and Java's clients take (the library's own offsets calls take any non-empty id). A sink
// connector whose name holds a space (`my sink`: its group is `connect-my sink`) failed its task at once, where
// Connect's runs; its offsets' DELETE and the orphan sweep's describe of its group failed too. The ids now need only
// be non-empty strings. Its tests: src/kafka/dependency-patches.test.ts ("group ids with whitespace") and
// test/sink-name-whitespace.test.ts (found by scripts/diff-connect, seed 7108: a sink named ` pad-… `).
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

const GROUP_ID = "{ type: 'string', minLength: 1 }";

export const platformaticGroupIdsPatches = [
  {
    file: "node_modules/@platformatic/kafka/dist/clients/consumer/options.js",
    from: `        groupId: idProperty,
        context: true,`,
    to: `        groupId: ${GROUP_ID},
        context: true,`,
  },
  {
    file: "node_modules/@platformatic/kafka/dist/clients/consumer/options.js",
    from: `        groupId: idProperty,
        ...groupOptionsProperties
    },`,
    to: `        groupId: ${GROUP_ID},
        ...groupOptionsProperties
    },`,
  },
  {
    file: "node_modules/@platformatic/kafka/dist/clients/admin/options.js",
    from: `    groups: {
        type: 'array',
        items: idProperty,
        minItems: 1
    }`,
    to: `    groups: {
        type: 'array',
        items: ${GROUP_ID},
        minItems: 1
    }`,
  },
  {
    file: "node_modules/@platformatic/kafka/dist/clients/admin/options.js",
    from: `        groupId: idProperty,
        members: {`,
    to: `        groupId: ${GROUP_ID},
        members: {`,
  },
];
