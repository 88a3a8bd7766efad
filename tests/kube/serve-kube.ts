// A real Weft process serving the Kubernetes REST endpoints (for the crash test): the services and
// /api/v1/kube/* on WEFT_TEST_HOST:WEFT_TEST_PORT, data in WEFT_DATA_DIR; prints "ready" when listening.
import http from "node:http";
import { handleKube } from "../../server/rest/kube";
import { startServices } from "../../server/services";

const host = process.env.WEFT_TEST_HOST ?? "127.0.0.1";
const port = Number(process.env.WEFT_TEST_PORT);
const dir = process.env.WEFT_DATA_DIR!;
const services = await startServices({ port, dataDir: dir, agentPort: 0, labNodes: 0, bgp: false });
await services.accounts.ensureAdmin(dir);
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? "/", `http://${host}:${port}`);
  if (url.pathname.startsWith("/api/v1/kube/")) void handleKube(services, req, res, url);
  else {
    res.statusCode = 404;
    res.end();
  }
});
server.listen(port, host, () => process.stdout.write("ready\n"));
// the test holds our stdin: when it goes away, so do we (no orphan process holding the port)
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
