"use client";
import { useEffect, useRef, type InputHTMLAttributes } from "react";
import { cn } from "../../lib/cn";

export interface CheckboxProps extends Omit<InputHTMLAttributes<HTMLInputElement>, "type"> {
  indeterminate?: boolean;
  label?: string;
}

export function Checkbox({ indeterminate, label, className, ...props }: CheckboxProps) {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = !!indeterminate;
  }, [indeterminate]);
  const box = <input ref={ref} type="checkbox" className={cn("h-3.5 w-3.5 cursor-pointer accent-[var(--accent)]", !label && className)} {...props} />;
  if (!label) return box;
  return (
    <label className={cn("inline-flex cursor-pointer items-center gap-2 text-[13px]", className)}>
      {box}
      {label}
    </label>
  );
}
