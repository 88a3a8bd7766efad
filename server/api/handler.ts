// The tRPC endpoint (/api/trpc/*) as one fetch handler, for the Next.js route and for tests that
// serve it without Next.js. Before tRPC reads a body: at most 1 MiB, nested at most 64 levels,
// strings at most 64 KiB (deep input is a 400, never a stack overflow); batches hold at most 50 calls.
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "./root";
import { createContext } from "./trpc";
import { checkJsonText } from "../http/guard";
import { isWeftError } from "../engine/model/errors";

const MAX_BODY = 1024 * 1024;

function refuse(status: number, message: string): Response {
  // the shape of a tRPC error, so the console's client shows the message
  return new Response(JSON.stringify({ error: { json: { message, code: -32600, data: { code: status === 413 ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST", httpStatus: status } } } }), {
    status,
    headers: { "content-type": "application/json" },
  });
}

export async function handleTrpc(req: Request): Promise<Response> {
  if (req.method === "POST") {
    const text = await req.text();
    if (text.length > MAX_BODY) return refuse(413, `the request body is larger than ${MAX_BODY / 1024} KiB`);
    try {
      checkJsonText(text);
    } catch (e) {
      if (isWeftError(e)) return refuse(400, e.message);
      throw e;
    }
    req = new Request(req.url, { method: req.method, headers: req.headers, body: text });
  }
  return fetchRequestHandler({ endpoint: "/api/trpc", req, router: appRouter, createContext: () => createContext({ req }), maxBatchSize: 50 });
}
