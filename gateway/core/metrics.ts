import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The gateway's series, in the appliance's registry. The `channel` label is a
 * configured channel id (a handful per box), never a sender or a chat id.
 */
export class GatewayMetrics {
  readonly messages: Counter<'channel' | 'direction'>;
  readonly failures: Counter<'channel' | 'direction' | 'reason'>;
  readonly duplicates: Counter<'channel'>;
  readonly verificationFailures: Counter<'channel'>;
  readonly webchatRefusals: Counter<'channel' | 'reason'>;
  readonly publicRefusals: Counter<'status'>;
  readonly publicRefusalsUnlogged: Counter;
  readonly ingestSeconds: Histogram<'channel'>;
  readonly outboxDepth: Gauge<'channel'>;
  readonly outboxOldest: Gauge<'channel'>;

  constructor(registry: Registry, outboxStats: () => Map<string, { depth: number; oldestMs: number | null }>, channels: () => string[]) {
    const registers = [registry];
    this.messages = new Counter({ name: 'swb_gateway_messages_total', help: 'Messages by channel and direction (in: stored from a client; out: accepted by the provider)', labelNames: ['channel', 'direction'], registers });
    this.failures = new Counter({
      name: 'swb_gateway_failures_total',
      help: 'Messages not carried, by channel, direction and reason (in: blocked, rate_limited, invalid, attachment_too_large; out: retry, permanent, gave_up)',
      labelNames: ['channel', 'direction', 'reason'],
      registers,
    });
    this.duplicates = new Counter({ name: 'swb_gateway_duplicates_total', help: 'Redelivered updates recognised and not stored again', labelNames: ['channel'], registers });
    this.verificationFailures = new Counter({ name: 'swb_gateway_webhook_verification_failures_total', help: 'Webhooks refused for a missing or wrong signature or secret', labelNames: ['channel'], registers });
    this.webchatRefusals = new Counter({
      name: 'swb_gateway_webchat_refusals_total',
      help: 'Web chat visitors refused a new identity or a first message, by the limit that refused them (visitors_per_address, visitors_per_origin, conversations_per_address, conversations_per_origin, visitors_pending)',
      labelNames: ['channel', 'reason'],
      registers,
    });
    this.publicRefusals = new Counter({ name: 'swb_gateway_public_refusals_total', help: 'Requests the public listener refused (4xx), by status, logged or not', labelNames: ['status'], registers });
    this.publicRefusalsUnlogged = new Counter({ name: 'swb_gateway_public_refusals_unlogged_total', help: 'Public listener refusals left out of the log by its per-minute cap', registers });
    this.ingestSeconds = new Histogram({
      name: 'swb_gateway_ingest_duration_seconds',
      help: 'From a provider update received to its history event committed',
      labelNames: ['channel'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2],
      registers,
    });
    this.outboxDepth = new Gauge({
      name: 'swb_gateway_outbox_depth',
      help: 'Replies waiting in the outbox',
      labelNames: ['channel'],
      registers,
      collect() {
        const stats = outboxStats();
        for (const id of channels()) this.set({ channel: id }, stats.get(id)?.depth ?? 0);
      },
    });
    this.outboxOldest = new Gauge({
      name: 'swb_gateway_outbox_oldest_age_seconds',
      help: 'Age of the oldest reply waiting in the outbox (0 when empty)',
      labelNames: ['channel'],
      registers,
      collect() {
        const stats = outboxStats();
        const now = Date.now();
        for (const id of channels()) {
          const oldest = stats.get(id)?.oldestMs ?? null;
          this.set({ channel: id }, oldest === null ? 0 : Math.max(0, (now - oldest) / 1000));
        }
      },
    });
  }

  /** Zero series for each channel, so a dashboard shows a quiet channel as 0 rather than as missing. */
  zero(channels: string[]): void {
    for (const channel of channels) {
      for (const direction of ['in', 'out']) this.messages.inc({ channel, direction }, 0);
      this.verificationFailures.inc({ channel }, 0);
    }
  }
}
