// A minimal typed event emitter: listeners per event name, `on` returns an unsubscribe function.
// A listener that throws does not break the speaker: the error goes to the "listener-error" hook.
import { logger } from "../log";

export class TypedEmitter<Events extends { [K in keyof Events]: (arg: never) => void }> {
  private listeners = new Map<keyof Events, Set<(arg: never) => void>>();
  onListenerError: (e: unknown) => void = (e) => logger("bgp").error({ err: e }, "event listener failed");

  on<K extends keyof Events>(event: K, fn: Events[K]): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  protected emit<K extends keyof Events>(event: K, arg: Parameters<Events[K]>[0]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const fn of set) {
      try {
        (fn as (a: typeof arg) => void)(arg);
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }

  protected hasListeners(event: keyof Events): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0;
  }
}
