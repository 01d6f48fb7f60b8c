import type { HangupBy } from './bridge.js';

/** What the registry needs of a call in progress: a way to end it from outside. */
export interface ActiveCall {
  id: string;
  hangup(by: HangupBy): void;
}

/**
 * Calls in progress, so that a lost drachtio connection or a shutdown can end
 * each one (and so get its record written) instead of leaving it to hang.
 */
export class ActiveCalls {
  private readonly calls = new Map<string, ActiveCall>();

  add(call: ActiveCall): void {
    this.calls.set(call.id, call);
  }

  remove(id: string): void {
    this.calls.delete(id);
  }

  get size(): number {
    return this.calls.size;
  }

  hangupAll(by: HangupBy): number {
    const all = [...this.calls.values()];
    for (const c of all) c.hangup(by);
    return all.length;
  }
}
