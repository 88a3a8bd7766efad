// How the simulated data plane's tunnel datagrams travel. The agent uses real UDP sockets
// (`udpTransport`); the control node's reachability analysis runs the very same pipeline over
// an in-memory network of "shadow" agents (`MemoryNetwork`), so an answer computed without
// sending a packet is the answer the agents give.
import dgram from "node:dgram";

export interface Peer {
  address: string;
  port: number;
}

export interface DatagramTransport {
  /** Binds address:port (0 = any free port); returns the bound port. */
  bind(address: string, port: number, onMessage: (buf: Buffer, from: Peer) => void): Promise<number>;
  send(buf: Buffer, port: number, address: string, onError?: (err: Error) => void): void;
  close(): Promise<void>;
}

/** Real UDP: one socket per agent. */
export function udpTransport(log?: (line: string) => void): DatagramTransport {
  let sock: dgram.Socket | null = null;
  return {
    bind(address, port, onMessage) {
      const s = dgram.createSocket({ type: address.includes(":") ? "udp6" : "udp4" });
      sock = s;
      s.on("message", (buf, rinfo) => onMessage(buf, rinfo));
      s.on("error", (err) => log?.(`data plane socket: ${err.message}`));
      return new Promise((resolve, reject) => {
        s.once("error", reject);
        s.bind(port, address, () => {
          s.off("error", reject);
          // Bursts of tunnelled packets overflow the default ~200 KB buffer; the kernel caps this at rmem_max.
          try {
            s.setRecvBufferSize(4 * 1024 * 1024);
            s.setSendBufferSize(4 * 1024 * 1024);
          } catch {
            /* not allowed: keep the default */
          }
          resolve(s.address().port);
        });
      });
    },
    send(buf, port, address, onError) {
      sock?.send(buf, port, address, onError ? (err) => err && onError(err) : undefined);
    },
    async close() {
      const s = sock;
      sock = null;
      if (s) await new Promise<void>((r) => s.close(() => r()));
    },
  };
}

/**
 * Datagrams between endpoints of one process, delivered asynchronously (a microtask later, like a
 * packet on the wire, so a sender never re-enters itself). `resolve` is asked for an endpoint
 * that is not bound yet (the analysis builds shadow agents on demand); a datagram to an address
 * nobody answers for is lost, as on the wire.
 */
export class MemoryNetwork {
  private readonly endpoints = new Map<string, (buf: Buffer, from: Peer) => void>();
  private nextPort = 40000;
  resolve: ((address: string, port: number) => void) | null = null;

  transport(): DatagramTransport {
    let self: Peer | null = null;
    return {
      bind: async (address, port, onMessage) => {
        const p = port || this.nextPort++;
        self = { address, port: p };
        this.endpoints.set(`${address}:${p}`, onMessage);
        return p;
      },
      send: (buf, port, address) => {
        const from = self;
        if (!from) return;
        const key = `${address}:${port}`;
        if (!this.endpoints.has(key)) this.resolve?.(address, port);
        queueMicrotask(() => this.endpoints.get(key)?.(buf, from));
      },
      close: async () => {
        if (self) this.endpoints.delete(`${self.address}:${self.port}`);
        self = null;
      },
    };
  }

  has(address: string, port: number): boolean {
    return this.endpoints.has(`${address}:${port}`);
  }
}
