"use client";
import { Input } from "../../ui/input";
import { Select } from "../../ui/select";
import type { AddrKind, Endpoint } from "./rule-model";

const KIND_LABELS: Record<AddrKind, string> = {
  any: "Any",
  network: "Network",
  cidr: "CIDR",
  "security-group": "Security group",
  local: "This group",
};

/** Where traffic comes from / goes to: any, a network, a CIDR or a security group. */
export function EndpointInput({
  value,
  onChange,
  kinds,
  networks,
  securityGroups,
  label,
  invalid,
  testId,
}: {
  value: Endpoint;
  onChange: (e: Endpoint) => void;
  kinds: AddrKind[];
  networks: string[];
  securityGroups: string[];
  label: string;
  invalid?: boolean;
  testId: string;
}) {
  return (
    <div className="flex gap-1">
      <Select
        aria-label={`${label} kind`}
        data-testid={`${testId}-kind`}
        className="w-32 shrink-0"
        value={value.kind}
        onChange={(e) => onChange({ kind: e.target.value as AddrKind, value: "" })}
        options={kinds.map((k) => ({ value: k, label: KIND_LABELS[k] }))}
      />
      {value.kind === "cidr" && (
        <Input mono aria-label={label} data-testid={testId} invalid={invalid} placeholder="10.0.0.0/24" value={value.value} onChange={(e) => onChange({ ...value, value: e.target.value })} />
      )}
      {value.kind === "network" && (
        <Select
          aria-label={label}
          data-testid={testId}
          className="min-w-0 flex-1"
          invalid={invalid}
          value={value.value}
          placeholder="Choose…"
          onChange={(e) => onChange({ ...value, value: e.target.value })}
          options={withCurrent(networks, value.value).map((n) => ({ value: n, label: n }))}
        />
      )}
      {value.kind === "security-group" && (
        <Select
          aria-label={label}
          data-testid={testId}
          className="min-w-0 flex-1"
          invalid={invalid}
          value={value.value}
          placeholder="Choose…"
          onChange={(e) => onChange({ ...value, value: e.target.value })}
          options={withCurrent(securityGroups, value.value).map((n) => ({ value: n, label: n }))}
        />
      )}
    </div>
  );
}

const withCurrent = (list: string[], current: string) => (current && !list.includes(current) ? [current, ...list] : list);
