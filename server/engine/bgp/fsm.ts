// The BGP finite state machine of RFC 4271 §8 as a pure function: (state, event) -> (state,
// actions). No sockets, no timers: session.ts performs the actions and feeds the events back.
// Event names follow RFC 4271 §8.1; optional session attributes we do not implement
// (DelayOpen, SendNOTIFICATIONwithoutOPEN) are absent, so their branches are too.
import { CeaseSubcode, ErrorCode, FsmSubcode } from "./wire/notification-codes";

/** RFC 4271 §8.2.2 states. */
export type BgpState = "Idle" | "Connect" | "Active" | "OpenSent" | "OpenConfirm" | "Established";
export const BGP_STATES: readonly BgpState[] = ["Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established"];

export type TimerName = "connect-retry" | "hold" | "keepalive";

export interface NotificationToSend {
  code: number;
  subcode: number;
  data?: Uint8Array;
  /** RFC 9003 shutdown communication */
  communication?: string;
}

/** RFC 4271 §8.1 events (numbers in comments), as this implementation distinguishes them. */
export type FsmEvent =
  | { type: "ManualStart" } // 1 (4 when passive)
  | { type: "ManualStop"; notification?: NotificationToSend } // 2
  | { type: "AutomaticStart" } // 3 (5 when passive)
  | { type: "AutomaticStop"; notification: NotificationToSend } // 8 (max-prefix, deconfigured, …)
  | { type: "ConnectRetryTimerExpires" } // 9
  | { type: "HoldTimerExpires" } // 10
  | { type: "KeepaliveTimerExpires" } // 11
  | { type: "TcpConnectionUp" } // 16 Tcp_CR_Acked / 17 TcpConnectionConfirmed
  | { type: "TcpConnectionFails" } // 18
  | { type: "BGPOpen"; holdTime: number } // 19 (the OPEN passed our checks)
  | { type: "BGPOpenMsgErr"; notification: NotificationToSend } // 21 BGPHeaderErr / 22 BGPOpenMsgErr
  | { type: "OpenCollisionDump" } // 23
  | { type: "NotifMsgVerErr" } // 24
  | { type: "NotifMsg" } // 25
  | { type: "KeepAliveMsg" } // 26
  | { type: "UpdateMsg" } // 27
  | { type: "UpdateMsgErr"; notification: NotificationToSend }; // 28

export type FsmAction =
  | { type: "connect" } // initiate the TCP connection
  | { type: "drop" } // drop the TCP connection
  | { type: "send-open" }
  | { type: "send-keepalive" }
  | { type: "send-notification"; notification: NotificationToSend }
  | { type: "start-timer"; timer: TimerName; seconds: number }
  | { type: "stop-timer"; timer: TimerName }
  | { type: "established" } // the session came up: advertise the Adj-RIB-Out
  | { type: "release" }; // release BGP resources: the peer's routes are gone

export interface FsmConfig {
  /** our configured hold time, seconds (0 = no keepalives) */
  holdTime: number;
  /** ConnectRetryTime, seconds (RFC 4271 §10 suggests 120) */
  connectRetryTime: number;
  /** cap of the connect-retry back-off, seconds */
  maxConnectRetryTime: number;
  /** RFC 4271 §8.1.1 PassiveTcpEstablishment: wait in Active, never connect */
  passive: boolean;
}

export interface FsmState {
  state: BgpState;
  /** RFC 4271 §8: ConnectRetryCounter */
  connectRetryCounter: number;
  /** negotiated hold time (RFC 4271 §4.2: the smaller of ours and the peer's); 0 until OPEN */
  holdTime: number;
  keepaliveTime: number;
  config: FsmConfig;
}

export interface Transition {
  next: FsmState;
  actions: FsmAction[];
  /** the event was not expected here (RFC 6608 FSM error) or ended the session */
  error?: string;
}

/** RFC 4271 §8.2.2: "a large value" for the hold timer while waiting for OPEN (4 minutes suggested). */
export const LARGE_HOLD_TIME = 240;

export function initialFsm(config: FsmConfig): FsmState {
  return { state: "Idle", connectRetryCounter: 0, holdTime: 0, keepaliveTime: 0, config };
}

/** Connect-retry back-off: ConnectRetryTime doubled per consecutive failure, capped. */
export function connectRetrySeconds(s: FsmState): number {
  const base = s.config.connectRetryTime;
  return Math.min(s.config.maxConnectRetryTime, base * 2 ** Math.min(s.connectRetryCounter, 16));
}

/** RFC 4271 §4.2 / §10: negotiated hold time and keepalive = one third of it. */
export function negotiateHoldTime(ours: number, theirs: number): { holdTime: number; keepaliveTime: number } {
  const holdTime = Math.min(ours, theirs);
  return { holdTime, keepaliveTime: holdTime === 0 ? 0 : Math.max(1, Math.floor(holdTime / 3)) };
}

const CEASE_ADMIN: NotificationToSend = { code: ErrorCode.CEASE, subcode: CeaseSubcode.ADMIN_SHUTDOWN };
const HOLD_EXPIRED: NotificationToSend = { code: ErrorCode.HOLD_TIMER_EXPIRED, subcode: 0 };
const COLLISION: NotificationToSend = { code: ErrorCode.CEASE, subcode: CeaseSubcode.CONNECTION_COLLISION };

const STOP_ALL: FsmAction[] = [
  { type: "stop-timer", timer: "connect-retry" },
  { type: "stop-timer", timer: "hold" },
  { type: "stop-timer", timer: "keepalive" },
];

function to(s: FsmState, state: BgpState, patch: Partial<FsmState> = {}): FsmState {
  return { ...s, ...patch, state };
}

/** Drop to Idle: optional NOTIFICATION first, then stop timers, drop TCP, release resources. */
function idle(s: FsmState, notification: NotificationToSend | null, counter: "inc" | "zero" | "keep", error?: string): Transition {
  const actions: FsmAction[] = [];
  if (notification) actions.push({ type: "send-notification", notification });
  actions.push(...STOP_ALL, { type: "drop" }, { type: "release" });
  const connectRetryCounter = counter === "inc" ? s.connectRetryCounter + 1 : counter === "zero" ? 0 : s.connectRetryCounter;
  return { next: to(s, "Idle", { connectRetryCounter, holdTime: 0, keepaliveTime: 0 }), actions, error };
}

function fsmError(s: FsmState, subcode: number, ev: FsmEvent): Transition {
  return idle(s, { code: ErrorCode.FSM, subcode }, "inc", `unexpected ${ev.type} in ${s.state}`);
}

/** The transition function. Pure: the same input always gives the same output. */
export function transition(s: FsmState, ev: FsmEvent): Transition {
  const stay: Transition = { next: s, actions: [] };
  switch (s.state) {
    case "Idle":
      // RFC 4271 §8.2.2 Idle: only start events do anything; all others are ignored
      if (ev.type === "ManualStart" || ev.type === "AutomaticStart") {
        const next = to(s, s.config.passive ? "Active" : "Connect", ev.type === "ManualStart" ? { connectRetryCounter: 0 } : {});
        const actions: FsmAction[] = [{ type: "start-timer", timer: "connect-retry", seconds: connectRetrySeconds(next) }];
        if (!s.config.passive) actions.push({ type: "connect" });
        return { next, actions };
      }
      return stay;

    case "Connect":
    case "Active":
      switch (ev.type) {
        case "ManualStart":
        case "AutomaticStart":
          return stay;
        case "ManualStop":
          return idle(s, null, "zero");
        case "AutomaticStop":
          return idle(s, null, "inc");
        case "ConnectRetryTimerExpires":
          if (s.config.passive) {
            return { next: s, actions: [{ type: "start-timer", timer: "connect-retry", seconds: connectRetrySeconds(s) }] };
          }
          // Connect: drop the attempt and retry; Active: initiate a connection, go to Connect
          return {
            next: to(s, "Connect"),
            actions: [{ type: "drop" }, { type: "start-timer", timer: "connect-retry", seconds: connectRetrySeconds(s) }, { type: "connect" }],
          };
        case "TcpConnectionUp":
          return {
            next: to(s, "OpenSent"),
            actions: [
              { type: "stop-timer", timer: "connect-retry" },
              { type: "send-open" },
              { type: "start-timer", timer: "hold", seconds: LARGE_HOLD_TIME },
            ],
          };
        case "TcpConnectionFails":
          return idle(s, null, "inc", "TCP connection failed");
        default:
          // RFC 4271 §8.2.2 Connect/Active: any other event -> Idle, counter + 1 (no NOTIFICATION: no OPEN was sent)
          return idle(s, null, "inc", `unexpected ${ev.type} in ${s.state}`);
      }

    case "OpenSent":
      switch (ev.type) {
        case "ManualStart":
        case "AutomaticStart":
          return stay;
        case "ManualStop":
          return idle(s, ev.notification ?? CEASE_ADMIN, "zero");
        case "AutomaticStop":
          return idle(s, ev.notification, "inc");
        case "HoldTimerExpires":
          return idle(s, HOLD_EXPIRED, "inc", "hold timer expired");
        case "TcpConnectionFails":
          // RFC 4271 §8.2.2 OpenSent: close, restart ConnectRetryTimer, go to Active
          return {
            next: to(s, "Active"),
            actions: [{ type: "drop" }, { type: "stop-timer", timer: "hold" }, { type: "start-timer", timer: "connect-retry", seconds: connectRetrySeconds(s) }],
            error: "TCP connection closed",
          };
        case "BGPOpen": {
          const { holdTime, keepaliveTime } = negotiateHoldTime(s.config.holdTime, ev.holdTime);
          const actions: FsmAction[] = [{ type: "stop-timer", timer: "connect-retry" }, { type: "send-keepalive" }];
          if (holdTime > 0) {
            actions.push({ type: "start-timer", timer: "keepalive", seconds: keepaliveTime }, { type: "start-timer", timer: "hold", seconds: holdTime });
          } else actions.push({ type: "stop-timer", timer: "hold" });
          return { next: to(s, "OpenConfirm", { holdTime, keepaliveTime }), actions };
        }
        case "BGPOpenMsgErr":
          return idle(s, ev.notification, "inc", "bad OPEN");
        case "OpenCollisionDump":
          return idle(s, COLLISION, "inc", "connection collision");
        case "NotifMsgVerErr":
          return idle(s, null, "keep", "peer does not support our BGP version");
        case "NotifMsg":
          return idle(s, null, "inc", "NOTIFICATION received");
        default:
          return fsmError(s, FsmSubcode.UNEXPECTED_IN_OPENSENT, ev);
      }

    case "OpenConfirm":
      switch (ev.type) {
        case "ManualStart":
        case "AutomaticStart":
          return stay;
        case "ManualStop":
          return idle(s, ev.notification ?? CEASE_ADMIN, "zero");
        case "AutomaticStop":
          return idle(s, ev.notification, "inc");
        case "HoldTimerExpires":
          return idle(s, HOLD_EXPIRED, "inc", "hold timer expired");
        case "KeepaliveTimerExpires":
          return { next: s, actions: [{ type: "send-keepalive" }, { type: "start-timer", timer: "keepalive", seconds: s.keepaliveTime }] };
        case "TcpConnectionFails":
          return idle(s, null, "inc", "TCP connection closed");
        case "NotifMsg":
          return idle(s, null, "inc", "NOTIFICATION received");
        case "NotifMsgVerErr":
          return idle(s, null, "keep", "peer does not support our BGP version");
        case "BGPOpenMsgErr":
          return idle(s, ev.notification, "inc", "bad message");
        case "OpenCollisionDump":
          return idle(s, COLLISION, "inc", "connection collision");
        case "KeepAliveMsg": {
          const actions: FsmAction[] = [];
          if (s.holdTime > 0) actions.push({ type: "start-timer", timer: "hold", seconds: s.holdTime });
          actions.push({ type: "established" });
          return { next: to(s, "Established"), actions };
        }
        default:
          return fsmError(s, FsmSubcode.UNEXPECTED_IN_OPENCONFIRM, ev);
      }

    case "Established":
      switch (ev.type) {
        case "ManualStart":
        case "AutomaticStart":
          return stay;
        case "ManualStop":
          return idle(s, ev.notification ?? CEASE_ADMIN, "zero");
        case "AutomaticStop":
          return idle(s, ev.notification, "inc");
        case "HoldTimerExpires":
          return idle(s, HOLD_EXPIRED, "inc", "hold timer expired");
        case "KeepaliveTimerExpires":
          return { next: s, actions: [{ type: "send-keepalive" }, { type: "start-timer", timer: "keepalive", seconds: s.keepaliveTime }] };
        case "KeepAliveMsg":
        case "UpdateMsg":
          // RFC 4271 §8.2.2 Established: restart the HoldTimer if its value is non-zero
          return s.holdTime > 0 ? { next: s, actions: [{ type: "start-timer", timer: "hold", seconds: s.holdTime }] } : stay;
        case "UpdateMsgErr":
          return idle(s, ev.notification, "inc", "malformed UPDATE");
        case "BGPOpenMsgErr":
          return idle(s, ev.notification, "inc", "bad message");
        case "TcpConnectionFails":
          return idle(s, null, "inc", "TCP connection closed");
        case "NotifMsg":
        case "NotifMsgVerErr":
          return idle(s, null, "inc", "NOTIFICATION received");
        case "OpenCollisionDump":
          return idle(s, COLLISION, "inc", "connection collision");
        default:
          return fsmError(s, FsmSubcode.UNEXPECTED_IN_ESTABLISHED, ev);
      }
  }
}
