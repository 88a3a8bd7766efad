// The wire codec: every message and attribute as a value with decode (-> result value, never an
// exception) and encode (-> Buffer). No sockets, no timers, no state.
export * from "./constants";
export * from "./notification-codes";
export * from "./result";
export * from "./address";
export * from "./route-distinguisher";
export * from "./community";
export * from "./extended-community";
export * from "./nlri";
export * from "./capabilities";
export * from "./open";
export * from "./attributes";
export * from "./update";
export * from "./notification";
export * from "./route-refresh";
export * from "./message";
export { ByteWriter } from "./byte-writer";
