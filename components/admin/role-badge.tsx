import { Badge, type Tone } from "../ui/badge";

const TONE: Record<string, Tone> = { admin: "accent", operator: "ok", viewer: "neutral" };

export function RoleBadge({ role }: { role: string }) {
  return <Badge tone={TONE[role] ?? "neutral"}>{role}</Badge>;
}
