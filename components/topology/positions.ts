// Node positions the user arranged, remembered per view (and project filter) in localStorage, so a
// reload, a live update or another visit shows the same picture.
export type Positions = Record<string, [number, number]>;

const PREFIX = "weft.topology.positions.v1:";

export const positionsKey = (view: string, project?: string | null) => `${view}${project ? `:${project}` : ""}`;

export function loadPositions(key: string): Positions {
  try {
    const raw = localStorage.getItem(PREFIX + key);
    return raw ? (JSON.parse(raw) as Positions) : {};
  } catch {
    return {};
  }
}

export function savePositions(key: string, p: Positions) {
  try {
    localStorage.setItem(PREFIX + key, JSON.stringify(p));
  } catch {
    // full or disabled storage: the layout is simply not remembered
  }
}

export function clearPositions(key: string) {
  try {
    localStorage.removeItem(PREFIX + key);
  } catch {
    // nothing to clear
  }
}
