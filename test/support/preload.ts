// Loaded before every test file (bunfig.toml): whole-gateway tests wait on real processes and a
// real broker, so the default per-test timeout is raised. Tests still await conditions, never sleep.
import { setDefaultTimeout } from "bun:test";

setDefaultTimeout(60_000);
