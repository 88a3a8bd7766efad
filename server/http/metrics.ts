// Prometheus metrics (prom-client): request rates and latencies, object counts, allocation
// failures, config writes. Object counts and engine counters are read at scrape time.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Engine } from "../engine/engine";
import { OBJECT_TYPES } from "../engine/model/types";

export class Metrics {
  readonly registry = new Registry();
  readonly requests: Counter<"surface" | "method" | "status">;
  readonly latency: Histogram<"surface" | "method">;

  constructor(engine: Engine) {
    const r = this.registry;
    collectDefaultMetrics({ register: r, prefix: "weft_process_" });
    this.requests = new Counter({
      name: "weft_http_requests_total",
      help: "HTTP requests by surface (vnc, trpc, console), method and status",
      labelNames: ["surface", "method", "status"],
      registers: [r],
    });
    this.latency = new Histogram({
      name: "weft_http_request_duration_seconds",
      help: "HTTP request latency by surface and method",
      labelNames: ["surface", "method"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [r],
    });
    new Gauge({
      name: "weft_config_objects",
      help: "Config objects by type",
      labelNames: ["type"],
      registers: [r],
      collect() {
        for (const t of OBJECT_TYPES) this.set({ type: t }, engine.config.count(t));
      },
    });
    const counter = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers: [r],
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    counter("weft_ipam_allocation_failures_total", "IP allocations refused (pool exhausted, address taken, outside subnet)", () => engine.config.stats.allocationFailures);
    counter("weft_config_writes_total", "Config changes committed or queued", () => engine.config.stats.writes);
    counter("weft_config_commits_total", "Group commits to the config store", () => engine.config.stats.commits);
    counter("weft_config_validation_failures_total", "Config writes refused by validation", () => engine.config.stats.validationFailures);
    counter("weft_kube_reconciles_total", "Kubernetes manager reconciles run", () => engine.kube?.counters.reconciles ?? 0);
    counter("weft_kube_reconcile_errors_total", "Kubernetes manager reconciles that failed (retried with backoff)", () => engine.kube?.counters.errors ?? 0);
    new Gauge({
      name: "weft_kube_objects",
      help: "Kubernetes objects in the kube manager's store, by kind",
      labelNames: ["kind"],
      registers: [r],
      collect() {
        for (const [kind, n] of Object.entries(engine.kube?.counts() ?? {})) this.set({ kind }, n);
      },
    });
    new Gauge({
      name: "weft_kube_queue_depth",
      help: "Kubernetes objects waiting for (or in) a reconcile",
      registers: [r],
      collect() {
        this.set(engine.kube?.queueDepth ?? 0);
      },
    });
    // what the BGP speaker did with what its peers sent (issue 15): RFC 7606 outcomes, routes set
    // aside as loops (RFC 4271 §9.1.2, RFC 4456 §8), connections from unknown peers
    new Counter({
      name: "weft_bgp_update_errors_total",
      help: "RFC 7606 outcomes of received UPDATEs per peer: treat-as-withdraw, attribute-discard, session-reset",
      labelNames: ["peer", "outcome"],
      registers: [r],
      collect() {
        this.reset();
        for (const p of engine.control.bgp.peerStatus()) {
          this.inc({ peer: p.address, outcome: "treat-as-withdraw" }, p.malformed.treatAsWithdraw);
          this.inc({ peer: p.address, outcome: "attribute-discard" }, p.malformed.attributeDiscard);
          this.inc({ peer: p.address, outcome: "session-reset" }, p.malformed.sessionReset);
        }
      },
    });
    new Counter({
      name: "weft_bgp_routes_ignored_total",
      help: "Received routes ignored per peer and rule: as-loop (RFC 4271 9.1.2), own-originator-id, own-cluster-id (RFC 4456 8)",
      labelNames: ["peer", "reason"],
      registers: [r],
      collect() {
        this.reset();
        for (const p of engine.control.bgp.peerStatus()) {
          this.inc({ peer: p.address, reason: "as-loop" }, p.ignored.asLoop);
          this.inc({ peer: p.address, reason: "own-originator-id" }, p.ignored.ownOriginatorId);
          this.inc({ peer: p.address, reason: "own-cluster-id" }, p.ignored.ownClusterId);
        }
      },
    });
    counter("weft_bgp_rejected_connections_total", "BGP connections from addresses that are no configured peer (Cease / Connection Rejected)", () => engine.control.bgp.speaker?.stats().rejectedConnections ?? 0);
    new Gauge({
      name: "weft_config_change_seq",
      help: "Sequence number of the last change in the change feed",
      registers: [r],
      collect() {
        this.set(engine.config.lastSeq);
      },
    });
  }

  observe(surface: string, method: string, status: number, seconds: number) {
    this.requests.inc({ surface, method, status: String(status) });
    this.latency.observe({ surface, method }, seconds);
  }
}
