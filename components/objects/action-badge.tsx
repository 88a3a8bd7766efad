import { Badge, type Tone } from "../ui/badge";

const TONES: Record<string, Tone> = { create: "ok", update: "accent", delete: "danger", "ref-update": "warn" };

/** Audit action as a word: Create / Update / Delete / Ref update. */
export function ActionBadge({ action }: { action: string }) {
  const word = action === "ref-update" ? "Ref update" : action.charAt(0).toUpperCase() + action.slice(1);
  return <Badge tone={TONES[action] ?? "neutral"}>{word}</Badge>;
}
