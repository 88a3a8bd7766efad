"use client";
// The one live channel of a console tab: GET /events (SSE). Each event names *what* changed; the
// matching React Query caches are invalidated and pages refetch in place (old data stays on screen
// while the new arrives, so scroll, selection and open rows are kept).
import { useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { useTRPC } from "../../lib/trpc";
import { Badge } from "../ui/badge";

export type LiveState = "connecting" | "live" | "reconnecting";

const LiveContext = createContext<LiveState>("connecting");

export function LiveChannelProvider({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [state, setState] = useState<LiveState>("connecting");
  const [generation, setGeneration] = useState(0);
  // survives a re-created EventSource, so the first open after a gap refetches what is shown
  const everOpen = useRef(false);

  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    const es = new EventSource("/events");
    // invalidations of one kind arriving within a tick are merged
    const pending = new Set<"config" | "routing" | "infra">();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      timer = null;
      for (const kind of pending) {
        if (kind === "config") {
          void queryClient.invalidateQueries({ queryKey: trpc.config.pathKey() });
          void queryClient.invalidateQueries({ queryKey: trpc.audit.pathKey() });
          // config changes move routing instances and ports between nodes too
          void queryClient.invalidateQueries({ queryKey: trpc.routing.instances.pathKey() });
          void queryClient.invalidateQueries({ queryKey: trpc.infra.pathKey() });
        }
        if (kind === "routing") void queryClient.invalidateQueries({ queryKey: trpc.routing.pathKey() });
        if (kind === "infra") void queryClient.invalidateQueries({ queryKey: trpc.infra.pathKey() });
      }
      // the topology graph is not refetched here: its page listens to the topology stream of this
      // channel (/events?topology=<view>), which carries the graph's diffs themselves
      pending.clear();
    };
    const queue = (kind: "config" | "routing" | "infra") => {
      pending.add(kind);
      timer ??= setTimeout(flush, 50);
    };
    es.onopen = () => {
      // after a gap, everything shown may be stale: refetch what is on screen
      if (everOpen.current) {
        queue("config");
        queue("routing");
        queue("infra");
      }
      everOpen.current = true;
      setState("live");
    };
    // the browser reconnects by itself (readyState CONNECTING); say so meanwhile
    es.onerror = () => setState("reconnecting");
    es.addEventListener("config", () => queue("config"));
    es.addEventListener("routes", () => queue("routing"));
    es.addEventListener("agents", () => queue("infra"));
    // EventSource gives up on a 401/500 answer (CLOSED): retry it ourselves
    const retry = setInterval(() => {
      if (es.readyState === EventSource.CLOSED) {
        clearInterval(retry);
        setState("reconnecting");
        setGeneration((g) => g + 1);
      }
    }, 5000);
    return () => {
      clearInterval(retry);
      if (timer) clearTimeout(timer);
      es.close();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [queryClient, trpc, generation]);

  return <LiveContext.Provider value={state}>{children}</LiveContext.Provider>;
}

export function useLiveState(): LiveState {
  return useContext(LiveContext);
}

/** Top-bar indicator: the state in a word, the colour only reinforces it. */
export function LiveIndicator() {
  const state = useLiveState();
  const label = state === "live" ? "Live" : state === "connecting" ? "Connecting" : "Reconnecting";
  const tone = state === "live" ? "ok" : "warn";
  return (
    <span data-testid="live-indicator" data-state={state} title={state === "live" ? "Pages update as the controller changes" : "The live channel is down; pages show what was last loaded"}>
      <Badge tone={tone}>
        <span className={`mr-1 inline-block h-1.5 w-1.5 rounded-full ${state === "live" ? "bg-ok" : "bg-warn animate-pulse"}`} />
        {label}
      </Badge>
    </span>
  );
}
