// The BGP speaker library: the only module the rest of the engine imports from bgp/.
// It knows nothing of virtual networks or config (docs/architecture.md: bgp/ imports nothing else).
export {
  BgpSpeaker,
  type SpeakerConfig,
  type PeerConfig,
  type MaxPrefixes,
  type PeerStatus,
  type FamilyCounts,
  type PathsEvent,
  type PeerStateEvent,
  type SpeakerEvents,
  type AnnounceResult,
  type Rfc7606Counters,
  type IgnoredCounters,
  type RejectedPath,
  type SpeakerStats,
} from "./speaker";
export type { Route, RouteAttributes } from "./export-table";
export type { LastError, SessionCounters } from "./session";
export { type BgpState, BGP_STATES } from "./fsm";
export { type Clock, systemClock, FakeClock } from "./clock";
export {
  type Family,
  FAMILIES,
  type Path,
  type PathAttributes,
  type AsPathSegment,
  type Origin,
  type Nlri,
  nlriKey,
  normalizeRd,
  normalizeExtendedCommunity,
  isRouteTarget,
  TunnelType,
  tunnelTypeName,
  describeError,
} from "./wire";
