import { forwardRef, type SelectHTMLAttributes } from "react";
import { ChevronDown } from "lucide-react";
import { cn } from "../../lib/cn";

export interface SelectOption {
  value: string;
  label: string;
}

export interface SelectProps extends Omit<SelectHTMLAttributes<HTMLSelectElement>, "children"> {
  options: SelectOption[];
  /** first, empty-valued option (e.g. "Any type") */
  placeholder?: string;
  invalid?: boolean;
}

/** Native select (keyboard, screen readers and e2e all work) styled like the inputs. */
export const Select = forwardRef<HTMLSelectElement, SelectProps>(function Select(
  { options, placeholder, invalid, className, ...props },
  ref,
) {
  return (
    <div className={cn("relative", className)}>
      <select
        ref={ref}
        aria-invalid={invalid || undefined}
        className="h-8 w-full appearance-none rounded-md border border-line-strong bg-surface pr-7 pl-2.5 text-[13px] text-fg focus:border-accent focus:outline-none aria-[invalid=true]:border-danger disabled:opacity-60"
        {...props}
      >
        {placeholder !== undefined && <option value="">{placeholder}</option>}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <ChevronDown className="pointer-events-none absolute top-1/2 right-2 h-3.5 w-3.5 -translate-y-1/2 text-muted" />
    </div>
  );
});
