import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../../domain/store/store.js';

/**
 * The appliance's own registry (not prom-client's global one): tests build
 * several appliances in one process, and a second build must not find the
 * first one's series. Labels stay low-cardinality by construction: route
 * templates, status classes, outcomes and channels, never a phone number,
 * a URL with ids in it, or a user name.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'swb_http_requests_total',
    help: 'HTTP requests on the local API, by route template, method and status class',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'swb_http_request_duration_seconds',
    help: 'HTTP request latency on the local API',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly logins = new Counter({
    name: 'swb_logins_total',
    help: 'Sign-in attempts by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly scrapesRefused = new Counter({
    name: 'swb_metrics_scrapes_refused_total',
    help: 'Requests for /metrics refused for a missing, wrong, expired or under-privileged token',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly storeWrite = new Histogram({
    name: 'swb_store_write_duration_seconds',
    help: 'Durable store transactions, from request to flushed commit',
    labelNames: ['outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [this.registry],
  });

  constructor(store: Store, build: { version: string }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'swb_' });
    // prom-client names three gauges *_total, which promtool's lint rejects (a _total
    // suffix promises a counter); swb_nodejs_active_resources{type} already counts the same.
    for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total']) this.registry.removeSingleMetric(`swb_nodejs_${name}`);
    new Gauge({
      name: 'swb_store_size_bytes',
      help: 'Bytes in use in the LMDB environment',
      registers: [this.registry],
      collect() {
        this.set(store.stats().usedBytes);
      },
    });
    new Gauge({
      name: 'swb_store_entries',
      help: 'Entries per named database',
      labelNames: ['db'] as const,
      registers: [this.registry],
      collect() {
        for (const [db, n] of Object.entries(store.stats().entries)) this.set({ db }, n);
      },
    });
    new Gauge({
      name: 'swb_store_free_bytes',
      help: "Bytes free to the appliance on the store's filesystem (below 1 MiB /readyz reports the store down)",
      registers: [this.registry],
      collect() {
        const free = store.freeBytes();
        if (free !== null) this.set(free);
      },
    });
    new Gauge({ name: 'swb_build_info', help: 'This release: its version and the Node.js it runs on (always 1)', labelNames: ['version', 'node'] as const, registers: [this.registry] }).set(
      { version: build.version, node: process.version },
      1,
    );
    store.onWrite = (seconds, ok) => this.storeWrite.observe({ outcome: ok ? 'ok' : 'error' }, seconds);
  }
}
