// Loaded before every test file (bunfig.toml): whole-gateway tests wait on real processes and a
// real broker, so the default per-test timeout is raised. Tests still await conditions, never sleep.
// setDefaultTimeout applies to the first test file Bun loads only (Bun 1.4.5; bunfig.toml's
// [test] timeout is not read): a run of several files needs `--timeout 60000`, as scripts/test passes.
import { setDefaultTimeout } from "bun:test";

setDefaultTimeout(60_000);
