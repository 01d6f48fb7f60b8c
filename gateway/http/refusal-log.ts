import type { Logger } from 'pino';
import type { Counter } from 'prom-client';

/** At most this many refusal lines a minute from the public listener; the metrics count every refusal. */
export const REFUSAL_LINES_PER_MINUTE = 60;

/**
 * Refusals on the public listener are answered to anyone on the internet: one
 * line each would let a stranger grow the log without bound. Every refusal is
 * counted; the first `perMinute` of a window are logged, and the next line
 * after a window that dropped some says how many.
 */
export class RefusalLog {
  private windowStart = -Infinity;
  private logged = 0;
  private unlogged = 0;

  constructor(
    private readonly logger: Logger,
    private readonly refusals: Counter<'status'>,
    private readonly dropped: Counter,
    private readonly perMinute = REFUSAL_LINES_PER_MINUTE,
    private readonly windowMs = 60_000,
  ) {}

  refused(status: number, level: 'info' | 'warn', fields: Record<string, unknown>, msg: string): void {
    this.refusals.inc({ status: String(status) });
    const now = Date.now();
    if (now - this.windowStart >= this.windowMs) {
      if (this.unlogged > 0) this.logger.warn({ unlogged: this.unlogged, perMinute: this.perMinute }, 'public listener refusals left out of the log in the last window');
      this.windowStart = now;
      this.logged = 0;
      this.unlogged = 0;
    }
    if (this.logged < this.perMinute) {
      this.logged++;
      this.logger[level](fields, msg);
      return;
    }
    this.unlogged++;
    this.dropped.inc();
  }
}
