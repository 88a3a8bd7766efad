// A BGP session's state as a word (RFC 4271 §8 states, or why there is no session); the colour
// only reinforces it.
import { Badge, type Tone } from "../ui/badge";

const TONES: Record<string, Tone> = {
  Established: "ok",
  Listening: "ok",
  OpenConfirm: "accent",
  OpenSent: "accent",
  Connect: "warn",
  Active: "warn",
  Idle: "danger",
  "Not peered": "neutral",
  Disabled: "neutral",
};

export function BgpStateBadge({ state, reason }: { state: string; reason?: string | null }) {
  return (
    <span data-testid="bgp-state" data-state={state} title={reason ?? undefined}>
      <Badge tone={TONES[state] ?? "neutral"}>{state}</Badge>
    </span>
  );
}
