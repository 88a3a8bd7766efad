// zod schemas for Contrail's config types (vnc_cfg.xsd names). They validate the engine's input,
// drive the console's forms and describe the REST API in OpenAPI: one definition, three users.
import { z } from "zod";

/** Contrail object names: letters, digits, '-', '_', '.'; not starting with '-' or '.' (__default__ is one); ≤ 255. */
export const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
export const NAME_MAX = 255;
export const NameSchema = z
  .string({ error: "name is required" })
  .min(1, "name must not be empty")
  .max(NAME_MAX, `name is longer than ${NAME_MAX} characters`)
  .regex(NAME_PATTERN, "name may contain only letters, digits, '-', '_' and '.', and must start with a letter, digit or underscore");

export const UuidSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, "must be a UUID (8-4-4-4-12 hex digits)");

export const FqNameSchema = z.array(z.string().min(1, "fq_name components must not be empty")).min(1, "fq_name must not be empty");

export const SubnetTypeSchema = z.object({
  ip_prefix: z.string({ error: "ip_prefix is required (e.g. 10.0.0.0)" }),
  ip_prefix_len: z.number({ error: "ip_prefix_len is required (0–32 for IPv4, 0–128 for IPv6)" }).int("must be an integer"),
});

export const AllocationPoolSchema = z.object({
  start: z.string({ error: "start address is required" }),
  end: z.string({ error: "end address is required" }),
  vrouter_specific_pool: z.boolean().optional(),
});

export const IpamSubnetSchema = z.object({
  subnet: SubnetTypeSchema,
  default_gateway: z.string().nullish(),
  dns_server_address: z.string().nullish(),
  allocation_pools: z.array(AllocationPoolSchema).optional(),
  addr_from_start: z.boolean().optional(),
  enable_dhcp: z.boolean().optional(),
  dns_nameservers: z.array(z.string()).optional(),
  subnet_uuid: z.string().optional(),
  subnet_name: z.string().optional(),
  created: z.string().optional(),
  last_modified: z.string().optional(),
});
export type IpamSubnet = z.infer<typeof IpamSubnetSchema>;

/** attr of network_ipam_refs (VnSubnetsType) */
export const VnSubnetsSchema = z.object({
  ipam_subnets: z.array(IpamSubnetSchema).default([]),
  host_routes: z.unknown().optional(),
});

/** attr of network_policy_refs (VirtualNetworkPolicyType) */
export const VirtualNetworkPolicySchema = z.object({
  sequence: z.object({ major: z.number().int(), minor: z.number().int() }).optional(),
  timer: z.unknown().optional(),
});

export const RouteTargetListSchema = z.object({ route_target: z.array(z.string()).default([]) });

export const ForwardingModeSchema = z.enum(["l2_l3", "l2", "l3"], {
  error: "forwarding_mode must be one of l2_l3, l2, l3",
});

export const VirtualNetworkPropertiesSchema = z.object({
  forwarding_mode: ForwardingModeSchema.optional(),
  vxlan_network_identifier: z.number().int().min(1).max(16777215).nullish(),
  allow_transit: z.boolean().optional(),
  rpf: z.enum(["enable", "disable"]).optional(),
});

export const PortRangeSchema = z.object({
  start_port: z.number().int().min(-1, "start_port must be -1 (any) or 0–65535").max(65535, "start_port must be ≤ 65535"),
  end_port: z.number().int().min(-1, "end_port must be -1 (any) or 0–65535").max(65535, "end_port must be ≤ 65535"),
});

export const AddressTypeSchema = z.object({
  virtual_network: z.string().nullish(),
  subnet: SubnetTypeSchema.nullish(),
  security_group: z.string().nullish(),
  network_policy: z.string().nullish(),
});

export const PROTOCOLS = ["any", "tcp", "udp", "icmp", "icmp6", "sctp"] as const;

export const PolicyRuleSchema = z.object({
  rule_uuid: z.string().optional(),
  rule_sequence: z.object({ major: z.number().int(), minor: z.number().int() }).optional(),
  direction: z.enum([">", "<>"], { error: "direction must be '>' (one way) or '<>' (both ways)" }).default("<>"),
  protocol: z
    .string()
    .refine(
      (p) => (PROTOCOLS as readonly string[]).includes(p) || (/^\d{1,3}$/.test(p) && Number(p) <= 255),
      "protocol must be any, tcp, udp, icmp, icmp6, sctp or an IP protocol number 0–255",
    )
    .default("any"),
  ethertype: z.enum(["IPv4", "IPv6"], { error: "ethertype must be IPv4 or IPv6" }).default("IPv4"),
  src_addresses: z.array(AddressTypeSchema).default([]),
  dst_addresses: z.array(AddressTypeSchema).default([]),
  src_ports: z.array(PortRangeSchema).default([{ start_port: -1, end_port: -1 }]),
  dst_ports: z.array(PortRangeSchema).default([{ start_port: -1, end_port: -1 }]),
  action_list: z
    .object({ simple_action: z.enum(["pass", "deny"], { error: "simple_action must be pass or deny" }) })
    .passthrough()
    .optional(),
});
export type PolicyRule = z.infer<typeof PolicyRuleSchema>;

export const PolicyEntriesSchema = z.object({ policy_rule: z.array(PolicyRuleSchema).default([]) });

export const MacAddressesSchema = z.object({
  mac_address: z.array(
    z.string().regex(/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/, "MAC address must be six hex octets separated by ':' (02:42:ac:11:00:02)"),
  ),
});

export const IdPermsInputSchema = z
  .object({ description: z.string().max(1024).nullish(), enable: z.boolean().optional() })
  .passthrough();

export const KeyValueSchema = z.object({
  key_value_pair: z.array(z.object({ key: z.string(), value: z.string() })).default([]),
});

/** A ref as a client sends it: by `to` (fq_name) or by `uuid`, with an optional attr. */
export const RefInputSchema = z
  .object({
    to: FqNameSchema.optional(),
    uuid: z.string().optional(),
    href: z.string().optional(),
    attr: z.unknown().optional(),
  })
  .refine((r) => r.to !== undefined || r.uuid !== undefined, "a ref needs `to` (fq_name) or `uuid`");
export type RefInput = z.infer<typeof RefInputSchema>;

// ---- per-type property schemas ----

export const DomainPropsSchema = z.object({});
export const ProjectPropsSchema = z.object({
  quota: z.record(z.string(), z.unknown()).optional(),
  vxlan_routing: z.boolean().optional(),
});
export const NetworkIpamPropsSchema = z.object({
  ipam_subnet_method: z.enum(["user-defined-subnet", "flat-subnet", "auto-subnet"]).optional(),
  network_ipam_mgmt: z
    .object({ ipam_dns_method: z.enum(["default-dns-server", "tenant-dns-server", "virtual-dns-server", "none"]).optional() })
    .passthrough()
    .optional(),
});
export const VirtualNetworkPropsSchema = z.object({
  route_target_list: RouteTargetListSchema.optional(),
  import_route_target_list: RouteTargetListSchema.optional(),
  export_route_target_list: RouteTargetListSchema.optional(),
  router_external: z.boolean().optional(),
  is_shared: z.boolean().optional(),
  virtual_network_properties: VirtualNetworkPropertiesSchema.optional(),
  virtual_network_network_id: z.number().int().optional(),
  flood_unknown_unicast: z.boolean().optional(),
});
export const VirtualMachinePropsSchema = z.object({
  server_type: z.enum(["virtual-server", "baremetal-server", "container"]).optional(),
});
export const VirtualMachineInterfacePropsSchema = z.object({
  virtual_machine_interface_mac_addresses: MacAddressesSchema.optional(),
  virtual_machine_interface_device_owner: z.string().optional(),
  virtual_machine_interface_disable_policy: z.boolean().optional(),
  port_security_enabled: z.boolean().optional(),
  virtual_machine_interface_bindings: KeyValueSchema.optional(),
});
export const InstanceIpPropsSchema = z.object({
  instance_ip_address: z.string().nullish(),
  instance_ip_family: z.enum(["v4", "v6"], { error: "instance_ip_family must be v4 or v6" }).optional(),
  instance_ip_mode: z.enum(["active-active", "active-standby"]).optional(),
  instance_ip_secondary: z.boolean().optional(),
  subnet_uuid: z.string().optional(),
});
export const SecurityGroupPropsSchema = z.object({
  security_group_entries: PolicyEntriesSchema.optional(),
  security_group_id: z.number().int().optional(),
  configured_security_group_id: z.number().int().optional(),
});
export const NetworkPolicyPropsSchema = z.object({
  network_policy_entries: PolicyEntriesSchema.optional(),
});
export const RouteTargetPropsSchema = z.object({});
export const RouteTargetNameSchema = z
  .string({ error: "name is required" })
  .regex(/^target:[^:]+:\d+$/, "a route-target is named after the route target: target:<asn>:<number> or target:<ipv4>:<number>");
export const FloatingIpPoolPropsSchema = z.object({
  floating_ip_pool_subnets: z.object({ subnet_uuid: z.array(z.string()).default([]) }).optional(),
});
export const FloatingIpPropsSchema = z.object({
  floating_ip_address: z.string().nullish(),
  floating_ip_is_virtual_ip: z.boolean().optional(),
  floating_ip_fixed_ip_address: z.string().nullish(),
  floating_ip_address_family: z.enum(["v4", "v6"]).optional(),
  floating_ip_direction: z.enum(["both", "ingress", "egress"], { error: "floating_ip_direction must be both, ingress or egress" }).optional(),
  floating_ip_port_mappings_enable: z.boolean().optional(),
});

export const ENCAPSULATIONS = ["MPLSoGRE", "MPLSoUDP", "VXLAN"] as const;
/** Contrail's default encapsulation priority */
export const DEFAULT_ENCAPSULATION_PRIORITY = ["MPLSoGRE", "MPLSoUDP", "VXLAN"];

export const GlobalSystemConfigPropsSchema = z.object({
  autonomous_system: z
    .number({ error: "autonomous_system must be a number" })
    .int("autonomous_system must be an integer")
    .min(1, "autonomous_system must be 1–4294967295")
    .max(4294967295, "autonomous_system must be 1–4294967295")
    .optional(),
  enable_4byte_as: z.boolean().optional(),
  bgp_router_id: z.string().optional(),
});
export const GlobalVrouterConfigPropsSchema = z.object({
  encapsulation_priorities: z
    .object({
      encapsulation: z
        .array(z.enum(ENCAPSULATIONS, { error: "encapsulation must be MPLSoGRE, MPLSoUDP or VXLAN" }))
        .min(1, "at least one encapsulation")
        .refine((l) => new Set(l).size === l.length, "an encapsulation is listed twice"),
    })
    .optional(),
  vxlan_network_identifier_mode: z.enum(["automatic", "configured"]).optional(),
  forwarding_mode: z.enum(["l2_l3", "l2", "l3"]).optional(),
});
export const VirtualRouterPropsSchema = z.object({
  virtual_router_ip_address: z.string({ error: "virtual_router_ip_address is required" }).optional(),
  virtual_router_type: z.enum(["embedded", "tor-agent", "tor-service-node", ""]).optional(),
  virtual_router_dpdk_enabled: z.boolean().optional(),
});

// ---- BGP routers (Contrail's BgpRouterParams / BgpPeeringAttributes) ----

/** Contrail's address-family names; Weft's speaker runs inet (ipv4-unicast) and inet-vpn (l3vpn-ipv4). */
export const BGP_FAMILIES = ["inet", "inet-vpn", "route-target", "e-vpn", "inet6", "inet6-vpn", "inet-labeled", "erm-vpn", "inet-mvpn"] as const;
export const SUPPORTED_BGP_FAMILIES = ["inet", "inet-vpn"] as const;
export const BGP_ROUTER_TYPES = ["control-node", "router", "external-control-node", "bgpaas-client", "bgpaas-server"] as const;

const AsnSchema = z.number({ error: "must be a number" }).int("must be an integer").min(1, "must be 1–4294967295").max(4294967295, "must be 1–4294967295");

export const AuthDataSchema = z.object({
  key_type: z.enum(["md5"], { error: "key_type must be md5" }).optional(),
  key_items: z.array(z.object({ key_id: z.number().int().optional(), key: z.string() })).default([]),
});

export const BgpRouterParametersSchema = z.object({
  vendor: z.string().max(64).optional(),
  router_type: z.enum(BGP_ROUTER_TYPES, { error: `router_type must be one of ${BGP_ROUTER_TYPES.join(", ")}` }).optional(),
  address: z.string({ error: "address is required" }),
  identifier: z.string().optional(),
  autonomous_system: AsnSchema.optional(),
  local_autonomous_system: AsnSchema.nullish(),
  port: z.number().int().min(1, "port must be 1–65535").max(65535, "port must be 1–65535").optional(),
  source_port: z.number().int().min(0).max(65535).nullish(),
  hold_time: z
    .number()
    .int()
    .refine((h) => h === 0 || (h >= 3 && h <= 65535), "hold_time must be 0 or 3–65535 seconds (RFC 4271 §4.2)")
    .optional(),
  address_families: z.object({ family: z.array(z.enum(BGP_FAMILIES, { error: `address family must be one of ${BGP_FAMILIES.join(", ")}` })).default([]) }).optional(),
  admin_down: z.boolean().optional(),
  auth_data: AuthDataSchema.nullish(),
  cluster_id: z.number().int().nullish(),
  /** Weft: most prefixes accepted from this peer (0 = no limit) */
  max_prefixes: z.number().int().min(0).optional(),
  /** Weft: never connect, wait for the peer */
  passive: z.boolean().optional(),
});
export type BgpRouterParameters = z.infer<typeof BgpRouterParametersSchema>;

export const BgpSessionAttributesSchema = z.object({
  bgp_router: z.string().nullish(),
  address_families: z.object({ family: z.array(z.enum(BGP_FAMILIES)).default([]) }).nullish(),
  admin_down: z.boolean().optional(),
  passive: z.boolean().optional(),
  hold_time: z.number().int().optional(),
  auth_data: AuthDataSchema.nullish(),
  family_attributes: z.array(z.object({ address_family: z.string(), prefix_limit: z.object({ maximum: z.number().int(), idle_timeout: z.number().int().optional() }).nullish() }).passthrough()).optional(),
});

/** attr of bgp_router_refs (BgpPeeringAttributes) */
export const BgpPeeringAttributesSchema = z.object({
  session: z.array(z.object({ uuid: z.string().nullish(), attributes: z.array(BgpSessionAttributesSchema).default([]) })).default([]),
});

export const BgpRouterPropsSchema = z.object({
  bgp_router_parameters: BgpRouterParametersSchema.optional(),
});

export const RoutingInstancePropsSchema = z.object({
  routing_instance_is_default: z.boolean().optional(),
});
