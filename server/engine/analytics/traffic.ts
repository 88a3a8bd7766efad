// The lab's traffic generator: realistic mixes between workloads — web (tcp/80, 443), database
// (5432, 3306, 6379), DNS (udp/53), some administrative traffic that policies usually deny
// (ssh, telnet, RDP), probes of addresses nobody owns, and bursts — at a chosen rate of new
// flows per second. It only asks agents to send packets (TrafficRequest, run through their
// forwarding fast path); every record comes from what the agents really did. Answers to
// requests are sent a tick later from the destination's agent, so allowed flows have both
// directions.
import type { TrafficItem } from "../protocol";

export interface TrafficEndpoint {
  uuid: string;
  fqName: string;
  host: string;
  addresses: string[];
}

export type TrafficSender = (host: string, items: TrafficItem[]) => boolean;

export interface TrafficProfile {
  /** new flows per second (default 20) */
  rate: number;
  /** weights of the patterns (defaults: web 5, db 2, dns 3, admin 1, probe 0.5) */
  mix?: Partial<Record<Pattern, number>>;
  /** occasional 5× bursts for a few seconds (default true) */
  bursts?: boolean;
  /** stop after … ms (default: until stopped) */
  durationMs?: number;
}

export type Pattern = "web" | "db" | "dns" | "admin" | "probe";
const DEFAULT_MIX: Record<Pattern, number> = { web: 5, db: 2, dns: 3, admin: 1, probe: 0.5 };

export interface FlowSpec {
  from: TrafficEndpoint;
  src?: string;
  dst: string;
  protocol: "tcp" | "udp" | "icmp";
  srcPort: number;
  dstPort: number;
  packets: number;
  bytesPerPacket: number;
  /** send the answer from this endpoint a tick later */
  replyFrom?: TrafficEndpoint;
  replyPackets?: number;
  replyBytes?: number;
}

export interface TrafficStatus {
  running: boolean;
  rate: number;
  startedAt: number | null;
  flows: number;
  packets: number;
  bytes: number;
  /** items an agent was not there to take */
  unsent: number;
  byPattern: Record<string, number>;
}

const TICK_MS = 200;

// mulberry32: a small seeded PRNG so a test can replay a mix
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class TrafficGenerator {
  private timer: NodeJS.Timeout | null = null;
  private replies: FlowSpec[] = [];
  private profile: TrafficProfile = { rate: 20 };
  private carry = 0;
  private burstUntil = 0;
  private random: () => number;
  readonly state: TrafficStatus = { running: false, rate: 0, startedAt: null, flows: 0, packets: 0, bytes: 0, unsent: 0, byPattern: {} };

  constructor(
    private readonly endpoints: () => TrafficEndpoint[],
    private readonly sender: TrafficSender,
    seed = Date.now(),
  ) {
    this.random = rng(seed);
  }

  start(p: TrafficProfile) {
    this.stop();
    this.profile = { bursts: true, ...p, rate: Math.max(0.1, Math.min(p.rate, 50_000)) };
    this.state.running = true;
    this.state.rate = this.profile.rate;
    this.state.startedAt = Date.now();
    const until = p.durationMs ? Date.now() + p.durationMs : Infinity;
    this.timer = setInterval(() => {
      if (Date.now() >= until) return this.stop();
      this.tick();
    }, TICK_MS);
    this.timer.unref();
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.state.running = false;
  }

  status(): TrafficStatus {
    return { ...this.state, byPattern: { ...this.state.byPattern } };
  }

  private pick<T>(xs: T[]): T {
    return xs[Math.floor(this.random() * xs.length)];
  }

  private int(lo: number, hi: number) {
    return lo + Math.floor(this.random() * (hi - lo + 1));
  }

  tick() {
    const replies = this.replies;
    this.replies = [];
    const specs: FlowSpec[] = [];
    for (const r of replies) specs.push(r);
    const now = Date.now();
    if (this.profile.bursts && now > this.burstUntil + 20_000 && this.random() < 0.01) this.burstUntil = now + 3_000;
    const rate = this.profile.rate * (now < this.burstUntil ? 5 : 1);
    this.carry += (rate * TICK_MS) / 1000;
    const n = Math.floor(this.carry);
    this.carry -= n;
    for (let i = 0; i < n; i++) {
      const s = this.flow();
      if (s) specs.push(s);
    }
    this.send(specs);
  }

  /** One flow of the mix (null when there are fewer than two workloads). */
  flow(pattern?: Pattern): FlowSpec | null {
    const eps = this.endpoints().filter((e) => e.host && e.addresses.length > 0);
    if (eps.length < 2) return null;
    const mix = { ...DEFAULT_MIX, ...this.profile.mix };
    if (!pattern) {
      const total = Object.values(mix).reduce((a, b) => a + b, 0);
      let x = this.random() * total;
      pattern = "web";
      for (const [k, w] of Object.entries(mix) as [Pattern, number][]) {
        if ((x -= w) < 0) {
          pattern = k;
          break;
        }
      }
    }
    const named = (re: RegExp) => eps.filter((e) => re.test(e.fqName.split(":").pop() ?? ""));
    const from = this.pick(eps);
    const others = (xs: TrafficEndpoint[]) => {
      const l = xs.filter((e) => e.uuid !== from.uuid);
      return l.length ? l : eps.filter((e) => e.uuid !== from.uuid);
    };
    const srcPort = this.int(32768, 60999);
    let spec: FlowSpec;
    switch (pattern) {
      case "web": {
        const to = this.pick(others(named(/web|front|http|nginx|api/i)));
        spec = { from, dst: to.addresses[0], protocol: "tcp", srcPort, dstPort: this.random() < 0.7 ? 443 : 80, packets: this.int(4, 30), bytesPerPacket: this.int(120, 600), replyFrom: to, replyPackets: this.int(6, 60), replyBytes: this.int(600, 1460) };
        break;
      }
      case "db": {
        const to = this.pick(others(named(/db|sql|redis|mongo|postgres|cache/i)));
        spec = { from, dst: to.addresses[0], protocol: "tcp", srcPort, dstPort: this.pick([5432, 3306, 6379]), packets: this.int(2, 12), bytesPerPacket: this.int(80, 400), replyFrom: to, replyPackets: this.int(2, 20), replyBytes: this.int(200, 1460) };
        break;
      }
      case "dns": {
        const to = this.pick(others(named(/dns|coredns|resolver/i)));
        spec = { from, dst: to.addresses[0], protocol: "udp", srcPort, dstPort: 53, packets: 1, bytesPerPacket: this.int(60, 90), replyFrom: to, replyPackets: 1, replyBytes: this.int(90, 300) };
        break;
      }
      case "admin": {
        const to = this.pick(others([]));
        spec = { from, dst: to.addresses[0], protocol: "tcp", srcPort, dstPort: this.pick([22, 23, 3389]), packets: this.int(1, 4), bytesPerPacket: 60 };
        break;
      }
      case "probe": {
        // an address of the source's subnet nobody owns (mostly): the agent drops it, no route
        const base = from.addresses[0].split(".");
        spec = { from, dst: `${base[0]}.${base[1]}.${this.int(200, 254)}.${this.int(200, 254)}`, protocol: "tcp", srcPort, dstPort: this.pick([8080, 9200, 27017]), packets: 1, bytesPerPacket: 60 };
        break;
      }
    }
    this.state.byPattern[pattern] = (this.state.byPattern[pattern] ?? 0) + 1;
    return spec;
  }

  /** Sends flows now (grouped per agent); answers go a tick later. Returns how many items an agent took. */
  send(specs: FlowSpec[]): number {
    const byHost = new Map<string, TrafficItem[]>();
    for (const s of specs) {
      const l = byHost.get(s.from.host) ?? [];
      l.push({
        port_uuid: s.from.uuid,
        protocol: s.protocol,
        src: s.src ?? s.from.addresses[0],
        dst: s.dst,
        src_port: s.srcPort,
        dst_port: s.dstPort,
        packets: s.packets,
        bytes_per_packet: s.bytesPerPacket,
      });
      byHost.set(s.from.host, l);
      if (s.replyFrom && s.replyPackets) {
        this.replies.push({
          from: s.replyFrom,
          src: s.dst,
          dst: s.src ?? s.from.addresses[0],
          protocol: s.protocol,
          srcPort: s.dstPort,
          dstPort: s.srcPort,
          packets: s.replyPackets,
          bytesPerPacket: s.replyBytes ?? s.bytesPerPacket,
        });
      }
    }
    let taken = 0;
    for (const [host, items] of byHost) {
      if (this.sender(host, items)) {
        taken += items.length;
        for (const it of items) {
          this.state.flows++;
          this.state.packets += it.packets;
          this.state.bytes += it.packets * it.bytes_per_packet;
        }
      } else this.state.unsent += items.length;
    }
    return taken;
  }

  /** Sends the answers queued by `send` now (tests; the running generator does it every tick). */
  sendReplies(): number {
    const r = this.replies;
    this.replies = [];
    const saved = r.map((s) => ({ ...s, replyFrom: undefined }));
    return this.send(saved);
  }
}
