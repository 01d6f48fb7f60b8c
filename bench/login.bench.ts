import Fastify from 'fastify';
import { build } from '../appliance/app.js';
import { validateConfig } from '../appliance/config/load.js';
import { createLogger } from '../common/log.js';
import { percentile, scratchDir, type BenchRow } from './harness.js';

const LOGINS = 40;
const PASSWORD = 'correct horse battery staple 42';

export async function loginBench(): Promise<BenchRow[]> {
  const { dir, cleanup } = await scratchDir();
  try {
    const bare = Fastify();
    bare.post('/login', async () => ({ token: 'x' }));
    await bare.ready();
    const bareMs: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const t0 = performance.now();
      await bare.inject({ method: 'POST', url: '/login', payload: { username: 'op', password: PASSWORD } });
      bareMs.push(performance.now() - t0);
    }

    const app = await build({ config: validateConfig({ dataDir: dir, access: { loginRatePerMinute: 100_000 } }, 'bench'), logger: createLogger({ level: 'silent' }) });
    await app.access.users.create({ username: 'op', password: PASSWORD, role: 'operator' }, { actor: 'bench', source: 'bench' });
    const loginMs: number[] = [];
    for (let i = 0; i < LOGINS; i++) {
      const t0 = performance.now();
      const r = await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'op', password: PASSWORD } });
      loginMs.push(performance.now() - t0);
      if (r.statusCode !== 201) throw new Error(`login failed in bench: ${r.body}`);
    }
    await app.close();
    await bare.close();
    const p50 = percentile(loginMs, 50);
    return [
      {
        name: 'login, argon2id m=19 MiB t=2 p=1, p50',
        value: p50,
        unit: 'ms',
        ceilingName: 'bare fastify route p50',
        ceiling: percentile(bareMs, 50),
        better: 'lower',
        // The cost is the point: it must be slow for a guesser, yet fine for a person.
        target: '< 250 ms',
        pass: p50 < 250,
      },
    ];
  } finally {
    await cleanup();
  }
}
