"use client";
import { Check, Copy } from "lucide-react";
import { useState, type MouseEvent } from "react";
import { cn } from "../../lib/cn";

export function CopyButton({ value, className, label = "Copy" }: { value: string; className?: string; label?: string }) {
  const [done, setDone] = useState(false);
  async function copy(e: MouseEvent) {
    e.stopPropagation();
    e.preventDefault();
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // clipboard API needs a secure context; fall back to a hidden textarea
      const ta = document.createElement("textarea");
      ta.value = value;
      document.body.appendChild(ta);
      ta.select();
      document.execCommand("copy");
      ta.remove();
    }
    setDone(true);
    setTimeout(() => setDone(false), 1200);
  }
  return (
    <button
      type="button"
      onClick={copy}
      title={done ? "Copied" : `${label}: ${value}`}
      aria-label={label}
      data-testid="copy-button"
      className={cn("inline-flex h-5 w-5 shrink-0 items-center justify-center rounded text-muted hover:bg-surface-2 hover:text-fg", className)}
    >
      {done ? <Check className="h-3 w-3 text-ok" /> : <Copy className="h-3 w-3" />}
    </button>
  );
}
