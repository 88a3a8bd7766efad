// Node positions the user arranged, remembered per view (and project filter) in localStorage, so a
// reload, a live update or another visit shows the same picture — and, through a sink the page
// sets (topology.saveLayout), on the server for the signed-in user, so another browser shows it too.
export type Positions = Record<string, [number, number]>;

const PREFIX = "weft.topology.positions.v1:";
const AT = "weft.topology.positions.at.v1:";

export const positionsKey = (view: string, project?: string | null) => `${view}${project ? `:${project}` : ""}`;

type Sink = (key: string, at: number, p: Positions | null) => void;
let sink: Sink | null = null;
/** where saved positions also go (the user's layouts on the server); null: the browser only */
export function setPositionsSink(s: Sink | null) {
  sink = s;
}

export function loadPositions(key: string): Positions {
  try {
    const raw = localStorage.getItem(PREFIX + key);
    return raw ? (JSON.parse(raw) as Positions) : {};
  } catch {
    return {};
  }
}

/** when the browser's copy of a view's positions was arranged (0: never) */
export function positionsAt(key: string): number {
  try {
    return Number(localStorage.getItem(AT + key) ?? 0) || 0;
  } catch {
    return 0;
  }
}

/** the server's copy, when newer than the browser's: becomes the browser's (before the graph draws) */
export function adoptPositions(key: string, at: number, p: Positions) {
  try {
    localStorage.setItem(PREFIX + key, JSON.stringify(p));
    localStorage.setItem(AT + key, String(at));
  } catch {
    // full or disabled storage
  }
}

export function savePositions(key: string, p: Positions) {
  const at = Date.now();
  try {
    localStorage.setItem(PREFIX + key, JSON.stringify(p));
    localStorage.setItem(AT + key, String(at));
  } catch {
    // full or disabled storage: the layout is simply not remembered here
  }
  sink?.(key, at, p);
}

export function clearPositions(key: string) {
  const at = Date.now();
  try {
    localStorage.removeItem(PREFIX + key);
    localStorage.setItem(AT + key, String(at));
  } catch {
    // nothing to clear
  }
  sink?.(key, at, null);
}
