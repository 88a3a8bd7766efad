#!/usr/bin/env node
// Runs cli/weftctl.ts through tsx in this process, so `npx weftctl` works without a build step.
import { register } from "tsx/esm/api";

register();
await import(new URL("../cli/weftctl.ts", import.meta.url).href);
