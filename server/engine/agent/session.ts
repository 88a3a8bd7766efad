// The agent's side of the control session: one gRPC bidi stream to the control node, hello →
// hello_ack, keepalives every hold/3, the hold timer (any message from the control node restarts
// it), and reconnection with jittered exponential back-off (0.5 s doubling to 5 s, each wait drawn
// from its upper half so a thousand agents of a restarted control node do not come back in
// lock-step) whenever the stream fails, ends or goes silent. gRPC's own reconnect back-off (1 s
// growing to 120 s by default) is kept below ours, so it never decides when we come back. What to (re)send after a (re)connect is the agent's business: the
// session only reports up/down and hands over messages.
import {
  type AgentMessage,
  type AgentStream,
  CHANNEL_OPTIONS,
  type ControlMessage,
  controlNodeService,
  DEFAULT_HOLD_TIME_SECONDS,
  grpc,
  type Hello,
  type HelloAck,
  type Outgoing,
  PROTOCOL_VERSION,
} from "../protocol/index.ts";
import { type AgentCredentials, channelCredentials, TLS_CHANNEL_OPTIONS } from "./credentials.ts";

export type SessionState = "idle" | "connecting" | "established" | "stopped";

export interface SessionOptions {
  /** host:port of the control node's agent protocol listener. */
  control: string;
  hello: Omit<Hello, "protocol_version">;
  /**
   * The node's credentials (mTLS): asked for before the first connection and again after a
   * refusal (enrolment may happen here); an error is retried with the usual back-off.
   */
  credentials: () => Promise<AgentCredentials>;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  onUp: (ack: HelloAck) => void;
  onMessage: (m: ControlMessage) => void;
  onDown: (reason: string) => void;
  log?: (line: string) => void;
}

type Client = InstanceType<ReturnType<typeof controlNodeService>>;

export class ControlSession {
  state: SessionState = "idle";
  /** How many times a session reached hello_ack. */
  established = 0;
  holdTimeSeconds = DEFAULT_HOLD_TIME_SECONDS;
  controlNode = "";
  sessionId = "";
  lastDownReason = "";
  lastMessageAt = 0;

  private client: Client | null = null;
  private stream: AgentStream | null = null;
  private holdTimer: NodeJS.Timeout | null = null;
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private backoffMs: number;
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private lastLogged = "";
  private lastLoggedAt = 0;
  private creds: AgentCredentials | null = null;
  private credsAttempt = 0;

  constructor(private readonly opts: SessionOptions) {
    this.initialBackoff = opts.backoffInitialMs ?? 500;
    this.maxBackoff = opts.backoffMaxMs ?? 5_000;
    this.backoffMs = this.initialBackoff;
  }

  start() {
    if (this.state !== "idle") return;
    this.connect();
  }

  /** Sends when established; returns false (and drops the message) otherwise. */
  send(m: Outgoing<AgentMessage>): boolean {
    if (this.state !== "established" || !this.stream) return false;
    this.stream.write(m);
    return true;
  }

  /**
   * Sends unless the stream's buffer is full (HTTP/2 flow control pushing back): for traffic that
   * may be dropped (flow export) rather than queued without bound behind a slow reader.
   */
  trySend(m: Outgoing<AgentMessage>): "sent" | "busy" | "down" {
    if (this.state !== "established" || !this.stream) return "down";
    if (this.stream.writableNeedDrain) return "busy";
    this.stream.write(m);
    return "sent";
  }

  stop() {
    const was = this.state;
    this.state = "stopped";
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.teardown();
    if (was === "established") this.opts.onDown("agent stopping");
  }

  private connect() {
    this.state = "connecting";
    if (!this.creds) {
      const attempt = ++this.credsAttempt;
      this.opts.credentials().then(
        (c) => {
          if (this.state !== "connecting" || attempt !== this.credsAttempt) return;
          this.creds = c;
          this.open(c);
        },
        (e: Error) => {
          if (this.state !== "connecting" || attempt !== this.credsAttempt) return;
          this.retry(`no credentials: ${e.message}`);
        },
      );
      return;
    }
    this.open(this.creds);
  }

  private open(creds: AgentCredentials) {
    const Ctor = controlNodeService();
    const client = new Ctor(this.opts.control, channelCredentials(creds), {
      ...CHANNEL_OPTIONS,
      ...TLS_CHANNEL_OPTIONS,
      "grpc.initial_reconnect_backoff_ms": Math.min(100, this.initialBackoff),
      "grpc.max_reconnect_backoff_ms": this.maxBackoff,
    });
    const stream = client.Session();
    this.client = client;
    this.stream = stream;
    // Until hello_ack names the hold time, the default one bounds the wait for it.
    this.armHold(DEFAULT_HOLD_TIME_SECONDS);

    stream.on("data", (m: ControlMessage) => {
      if (this.stream !== stream) return;
      this.lastMessageAt = Date.now();
      this.armHold(this.holdTimeSeconds);
      if (m.msg === "hello_ack") {
        this.onAck(m.hello_ack);
        return;
      }
      if (this.state !== "established") return; // nothing counts before hello_ack
      if (m.msg === "keepalive") return;
      this.opts.onMessage(m);
    });
    stream.on("error", (err: grpc.ServiceError) => {
      // refused for its identity: ask for credentials again next time (the node may re-enrol)
      if (err.code === grpc.status.UNAUTHENTICATED || err.code === grpc.status.PERMISSION_DENIED) this.creds = null;
      this.down(stream, shortError(err));
    });
    stream.on("end", () => this.down(stream, "stream closed by the control node"));
    stream.write({ msg: "hello", hello: { protocol_version: PROTOCOL_VERSION, ...this.opts.hello } });
  }

  private onAck(ack: HelloAck) {
    if (ack.protocol_version && ack.protocol_version !== PROTOCOL_VERSION) {
      this.down(this.stream!, `control node speaks protocol version ${ack.protocol_version}, agent ${PROTOCOL_VERSION}`);
      return;
    }
    this.holdTimeSeconds = ack.hold_time_seconds || DEFAULT_HOLD_TIME_SECONDS;
    this.controlNode = ack.control_node;
    this.sessionId = ack.session_id;
    this.state = "established";
    this.established++;
    this.backoffMs = this.initialBackoff;
    this.lastLogged = "";
    this.armHold(this.holdTimeSeconds);
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    // Keepalives every hold/3: two can be lost before the control node gives up on us.
    this.keepaliveTimer = setInterval(() => this.send({ msg: "keepalive", keepalive: { sent_at_ms: Date.now() } }), Math.max(100, (this.holdTimeSeconds * 1000) / 3));
    this.opts.onUp(ack);
  }

  private armHold(seconds: number) {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    const stream = this.stream;
    // one keepalive interval of margin past the hold time: a control node busy for a few seconds
    // (a large config change, a heavy query) sends its keepalives late, and is not dead for that
    const ms = seconds * 1000 + Math.max(1000, (seconds * 1000) / 3);
    this.holdTimer = setTimeout(() => stream && this.down(stream, `hold timer expired (${seconds} s without a message)`), ms);
  }

  private down(stream: AgentStream, reason: string) {
    if (this.stream !== stream || this.state === "stopped") return; // a late event of an old stream
    const was = this.state;
    this.teardown();
    this.lastDownReason = reason;
    this.state = "idle";
    if (was === "established") this.opts.onDown(reason);
    this.retry(reason);
  }

  /** Back to idle, and another attempt after a jittered back-off. */
  private retry(reason: string) {
    this.lastDownReason = reason;
    this.state = "idle";
    const delay = Math.round(this.backoffMs * (0.5 + Math.random() * 0.5));
    this.backoffMs = Math.min(this.maxBackoff, this.backoffMs * 2);
    // One line per new reason (plus one a minute): a control node that is down for an hour must not flood the log.
    const now = Date.now();
    if (reason !== this.lastLogged || now - this.lastLoggedAt > 60_000) {
      this.opts.log?.(`control ${this.opts.control}: ${reason}; retrying (back-off ${this.initialBackoff}–${this.maxBackoff} ms)`);
      this.lastLogged = reason;
      this.lastLoggedAt = now;
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.state === "idle") this.connect();
    }, delay);
  }

  private teardown() {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.holdTimer = null;
    this.keepaliveTimer = null;
    const stream = this.stream;
    const client = this.client;
    this.stream = null;
    this.client = null;
    if (stream) {
      stream.removeAllListeners("data");
      stream.on("error", () => {}); // cancel() reports CANCELLED: expected, not a failure
      stream.cancel();
    }
    client?.close();
  }
}

/** gRPC's UNAVAILABLE details are long ("No connection established. Last error: Error: connect ECONNREFUSED …"). */
function shortError(err: grpc.ServiceError): string {
  const text = err.details || err.message;
  const m = /(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND)/.exec(text);
  if (m) return `unavailable (${m[1]})`;
  return text.replace(/\s*Resolution note:.*$/, "").slice(0, 200);
}
