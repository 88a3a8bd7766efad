import { CopyButton } from "../ui/copy-button";

/** Exactly what the REST API returns for the object. */
export function JsonTab({ value }: { value: unknown }) {
  const text = JSON.stringify(value, null, 2);
  return (
    <div className="relative rounded-lg border border-line bg-surface-2">
      <div className="absolute top-2 right-2">
        <CopyButton value={text} label="Copy JSON" />
      </div>
      <pre className="overflow-auto p-3 font-mono text-xs leading-relaxed" data-testid="object-json">
        {text}
      </pre>
    </div>
  );
}
