// GET /events: one Server-Sent Events channel per console tab. It carries *what* changed (config
// types, routing instances, agent sessions), coalesced per 250 ms; pages refetch what they show,
// so the live view and a reload always agree.
// GET /events?topology=<view>: the topology page's stream on the same channel: the graph's diffs
// themselves (nodes and edges added, changed, removed, from version n to m), as the engine's
// topology feed computes them, so the canvas updates without refetching the model.
import type { IncomingMessage, ServerResponse } from "node:http";
import { TOPOLOGY_VIEWS, type TopologyView } from "../engine/topology/model";
import { topologyFeed } from "../engine/topology/feed";
import type { Services } from "../services";
import { actorOf } from "../rest/vnc";
import { flowProjects } from "../auth/scope";

/** how often a live stream checks that its credential is still valid */
const RECHECK_MS = 15_000;

export async function handleEvents(s: Services, req: IncomingMessage, res: ServerResponse, url?: URL) {
  const actor = await actorOf(s, req, "console");
  if (!actor) {
    res.writeHead(401, { "content-type": "text/plain" });
    res.end("sign in first");
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform", connection: "keep-alive", "x-accel-buffering": "no" });
  res.write(": weft live channel\n\n");

  // The stream lives as long as its credential: a password change, ban, deletion or role change of
  // the user, or the revocation of the token it was opened with, ends it at once; a session that
  // ended otherwise (sign-out, expiry) is noticed within RECHECK_MS.
  let ended = false;
  const end = (why: string) => {
    if (ended) return;
    ended = true;
    res.write(`event: signed-out\ndata: ${JSON.stringify({ reason: why })}\n\n`);
    res.end();
  };
  const offRevoke = s.accounts.onRevoke((r) => {
    if ((r.userId && r.userId === actor.userId) || (r.tokenId && r.tokenId === actor.credentialId)) end("credentials revoked");
  });
  const recheck = setInterval(() => {
    void actorOf(s, req, "console")
      .catch(() => null)
      .then((a) => {
        if (!a || a.userId !== actor.userId || a.role !== actor.role) end("signed out");
      });
  }, RECHECK_MS);
  req.on("close", () => {
    offRevoke();
    clearInterval(recheck);
  });

  const topology = url?.searchParams.get("topology");
  if (topology) {
    const view = (TOPOLOGY_VIEWS as string[]).includes(topology) ? (topology as TopologyView) : "logical";
    const feed = topologyFeed(s.engine);
    const off = feed.subscribe(view, (d) => res.write(`event: topology\ndata: ${JSON.stringify(d)}\n\n`));
    // where the stream starts: a page whose model is older refetches it
    res.write(`event: topology-version\ndata: ${JSON.stringify({ view, version: feed.current(view).version })}\n\n`);
    const keepalive = setInterval(() => res.write(": keepalive\n\n"), 15_000);
    req.on("close", () => {
      off();
      clearInterval(keepalive);
    });
    return;
  }

  const projects = flowProjects(s, actor);
  const configTypes = new Set<string>();
  const vrfs = new Set<string>();
  let agents = "";
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    timer = null;
    if (configTypes.size) res.write(`event: config\ndata: ${JSON.stringify([...configTypes])}\n\n`);
    if (vrfs.size) res.write(`event: routes\ndata: ${JSON.stringify([...vrfs].slice(0, 500))}\n\n`);
    configTypes.clear();
    vrfs.clear();
  };
  const soon = () => {
    timer ??= setTimeout(flush, 250);
  };
  const offConfig = s.engine.config.subscribe((e) => {
    configTypes.add(e.type);
    soon();
  });
  const offRoutes = s.engine.control.onRoutes((changes) => {
    // routing instances are named after their project: a scoped caller hears only its own
    for (const c of changes) if (!projects || projects.some((p) => c.vrf.startsWith(`${p}:`))) vrfs.add(c.vrf);
    soon();
  });
  // agent sessions change rarely and carry counters: compare a fingerprint every 2 s
  const poll = setInterval(() => {
    const now = [...s.engine.control.agents.values()].map((a) => `${a.name}:${a.state}:${a.lastResync}:${a.announced}:${a.subscriptions.size}`).join("|");
    if (now !== agents) {
      agents = now;
      res.write(`event: agents\ndata: {}\n\n`);
    }
    res.write(": keepalive\n\n");
  }, 2000);
  req.on("close", () => {
    offConfig();
    offRoutes();
    clearInterval(poll);
    if (timer) clearTimeout(timer);
  });
}
