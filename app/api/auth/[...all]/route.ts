import { getServices } from "@/server/registry";

export const dynamic = "force-dynamic";

// better-auth's handler; the instance lives in the server process (server/services.ts).
const handler = (req: Request) => getServices().auth.handler(req);

export { handler as GET, handler as POST };
