import type { Metadata } from "next";
import { NetworkPolicyList } from "../../../../components/overlay/network-policies/policy-list";

export const metadata: Metadata = { title: "Network policies" };

export default function Page() {
  return <NetworkPolicyList />;
}
