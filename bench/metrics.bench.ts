import Fastify from 'fastify';
import { build } from '../appliance/app.js';
import { validateConfig } from '../appliance/config/load.js';
import { createLogger } from '../common/log.js';
import { percentile, scratchDir, type BenchRow } from './harness.js';

const EXTENSIONS = 1_000;
const SCRAPES = 300;

/**
 * /metrics on a box configured with 1,000 extensions, after traffic on every
 * route (so every route/method/status series exists), beside a bare fastify
 * route that returns a text of the same size.
 */
export async function metricsBench(): Promise<BenchRow[]> {
  const { dir, cleanup } = await scratchDir();
  try {
    const extensions = Array.from({ length: EXTENSIONS }, (_, i) => ({ number: String(1000 + i), password: `extension-secret-${i}-long-enough`, name: `Desk ${i}`, department: i % 2 ? 'sales' : 'support', record: i % 3 === 0 }));
    const app = await build({ config: validateConfig({ dataDir: dir, extensions }, 'bench'), logger: createLogger({ level: 'silent' }) });
    const token = (await app.access.tokens.create({ role: 'metrics', name: 'bench' }, { actor: 'bench', source: 'bench' })).token;
    for (const route of app.http.routeTable) {
      for (let i = 0; i < 3; i++) await app.http.inject({ method: route.method as 'GET', url: route.url.replace(/:(\w+)/g, 'x'), headers: { authorization: `Bearer ${token}` } });
    }
    const body = (await app.http.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } })).body;
    const series = body.split('\n').filter((l) => l && !l.startsWith('#')).length;
    const ms: number[] = [];
    for (let i = 0; i < SCRAPES; i++) {
      const t0 = performance.now();
      await app.http.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
      ms.push(performance.now() - t0);
    }
    await app.close();

    const bare = Fastify();
    bare.get('/metrics', async (_req, reply) => reply.header('content-type', 'text/plain').send(body));
    await bare.ready();
    const bareMs: number[] = [];
    for (let i = 0; i < SCRAPES; i++) {
      const t0 = performance.now();
      await bare.inject({ url: '/metrics' });
      bareMs.push(performance.now() - t0);
    }
    await bare.close();
    const p99 = percentile(ms, 99);
    return [{ name: `/metrics render, ${EXTENSIONS} extensions, ${series} series, p99`, value: p99, unit: 'ms', ceilingName: 'bare route, same text, p99', ceiling: percentile(bareMs, 99), better: 'lower', target: '< 50 ms', pass: p99 < 50 }];
  } finally {
    await cleanup();
  }
}
