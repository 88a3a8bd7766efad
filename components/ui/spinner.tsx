import { Loader2 } from "lucide-react";
import { cn } from "../../lib/cn";

export function Spinner({ className, label }: { className?: string; label?: string }) {
  return (
    <span className={cn("inline-flex items-center gap-2 text-muted", className)} role="status">
      <Loader2 className="h-4 w-4 animate-spin" />
      {label && <span className="text-xs">{label}</span>}
    </span>
  );
}
