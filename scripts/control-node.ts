// A headless controller: the engine (config store, compiler, control node) without the console.
// Used by tests that kill the control node as a process; also a start for running control nodes
// on their own machines later. Env: WEFT_DATA_DIR, WEFT_AGENT_HOST, WEFT_AGENT_PORT, WEFT_HOLD_TIME.
import { Engine } from "../server/engine/engine";

const engine = await Engine.start({
  agentHost: process.env.WEFT_AGENT_HOST ?? "127.0.0.1",
  agentPort: Number(process.env.WEFT_AGENT_PORT ?? 3010),
  holdTimeSeconds: process.env.WEFT_HOLD_TIME ? Number(process.env.WEFT_HOLD_TIME) : undefined,
});
console.log(`control node ${engine.control.name} listening for agents on port ${engine.control.listenPort}`);
const stop = async () => {
  await engine.stop();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
// started by a test or a supervisor: do not outlive it
if (process.env.WEFT_EXIT_WITH_PARENT === "1") {
  const parent = process.ppid;
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      void stop();
    }
  }, 1000).unref();
}
process.on("SIGINT", () => void stop());
