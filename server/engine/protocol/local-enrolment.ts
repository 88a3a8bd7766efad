// Enrolment inside one process (issue 14): a control node registers how to issue an enrolment
// token for a compute node of its own process (the lab's in-process agents, tests, benches); an
// agent started without credentials for that control node's port asks for a token here and then
// enrols like any other node — over the network, with the token, a key of its own and mTLS after.
// Nothing outside the process can reach this registry: it grants nothing a process running the
// control node could not do itself.
type Issuer = (name: string, address: string) => Promise<string>;

const KEY = Symbol.for("weft.local-enrolment");

function registry(): Map<number, Issuer> {
  const g = globalThis as Record<symbol, Map<number, Issuer> | undefined>;
  return (g[KEY] ??= new Map());
}

export function registerLocalEnrolment(port: number, issuer: Issuer): () => void {
  registry().set(port, issuer);
  return () => {
    if (registry().get(port) === issuer) registry().delete(port);
  };
}

/** A token from the control node of this process listening on `control`'s port, or null if there is none. */
export function localEnrolmentToken(control: string, name: string, address: string): Promise<string> | null {
  const m = /^(?:127\.\d+\.\d+\.\d+|localhost|\[::1\]|0\.0\.0\.0):(\d+)$/.exec(control);
  const issuer = m ? registry().get(Number(m[1])) : undefined;
  return issuer ? issuer(name, address) : null;
}
