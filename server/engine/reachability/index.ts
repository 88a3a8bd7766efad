// Reachability analysis: questions answered from the compiled state by the agents' own pipeline
// (shadow agents), with the config change that would make a denied question pass.
export { Reachability, type Answer, type Decision, type Probe, type Step, type Suggestion } from "./analyze";
export type { DraftChange } from "./draft";
