import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * SIP series on the appliance's registry. Labels are outcomes, methods,
 * directions and reasons: never an extension, a number or an address.
 */
export class SipMetrics {
  /** Null while SIP is off: a gauge reading 0 would page someone for a link nobody configured. */
  readonly connected: Gauge | null;
  readonly reconnects: Counter;
  readonly registrations: Counter<'outcome'>;
  readonly calls: Counter<'direction' | 'outcome'>;
  readonly setupSeconds: Histogram<'direction'>;
  readonly durationSeconds: Histogram<'direction'>;
  readonly refused: Counter<'method' | 'reason'>;
  readonly bans: Counter<'reason'>;
  readonly activeCalls: Gauge;

  constructor(registry: Registry, sources: { contacts: () => number; bans: () => number; activeCalls: () => number }, opts: { connection: boolean } = { connection: true }) {
    const registers = [registry];
    this.connected = !opts.connection ? null : new Gauge({ name: 'swb_sip_drachtio_connected', help: '1 while the appliance is connected to drachtio-server', registers });
    this.reconnects = new Counter({ name: 'swb_sip_drachtio_reconnects_total', help: 'Connections to drachtio-server made after a drop', registers });
    new Gauge({
      name: 'swb_sip_registered_contacts',
      help: 'Unexpired registered contacts (bindings) over all extensions',
      registers,
      collect() {
        this.set(sources.contacts());
      },
    });
    this.registrations = new Counter({
      name: 'swb_sip_registrations_total',
      help: 'REGISTER requests by outcome (registered, unregistered, challenged, stale, forbidden, interval_too_brief, invalid, out_of_order, failed)',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.calls = new Counter({
      name: 'swb_sip_calls_total',
      help: 'Ended calls by direction (in, out, internal) and outcome',
      labelNames: ['direction', 'outcome'] as const,
      registers,
    });
    this.setupSeconds = new Histogram({
      name: 'swb_sip_call_setup_seconds',
      help: 'From the INVITE to the answer, for answered calls',
      labelNames: ['direction'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60],
      registers,
    });
    this.durationSeconds = new Histogram({
      name: 'swb_sip_call_duration_seconds',
      help: 'From the answer to the hangup, for answered calls',
      labelNames: ['direction'] as const,
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    });
    this.refused = new Counter({
      name: 'swb_sip_requests_refused_total',
      help: 'SIP requests refused or dropped by protection, by method and reason (rate_limited, banned, scanner, unparsable, tls_required)',
      labelNames: ['method', 'reason'] as const,
      registers,
    });
    this.bans = new Counter({ name: 'swb_sip_bans_total', help: 'Source addresses banned, by reason', labelNames: ['reason'] as const, registers });
    new Gauge({
      name: 'swb_sip_banned_addresses',
      help: 'Source addresses under a ban now',
      registers,
      collect() {
        this.set(sources.bans());
      },
    });
    this.activeCalls = new Gauge({
      name: 'swb_sip_active_calls',
      help: 'Calls in progress (ringing or answered)',
      registers,
      collect() {
        this.set(sources.activeCalls());
      },
    });
  }
}
