/**
 * Reconnect delays for the ESL and AMI links: exponential from min to max with
 * jitter (so an appliance and its restarted media server do not fall into
 * lockstep), reset once a connection has logged in.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {}

  next(): number {
    const base = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.attempt, 20));
    this.attempt++;
    return Math.round(base / 2 + (Math.random() * base) / 2);
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** A timer that never keeps the process alive on its own. */
export function unrefTimer(fn: () => void, ms: number): NodeJS.Timeout {
  const t = setTimeout(fn, ms);
  t.unref();
  return t;
}
