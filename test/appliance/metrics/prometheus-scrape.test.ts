import t from 'tap';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { runCli, startAppliance, stop } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/appliance.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

t.test('a real Prometheus scrapes /metrics on loopback with a metrics token file', async (t) => {
  const dir = await tempDir(t);
  const env = { SWITCHBOARD_DATA_DIR: path.join(dir, 'data'), SWITCHBOARD_LISTEN: '127.0.0.1:0' };
  const { child, url } = await startAppliance(env);
  t.teardown(() => stop(child));
  const token = (await runCli(['token', 'create', '--role', 'metrics', '--name', 'prometheus'], { env })).stdout.trim();
  const tokenFile = path.join(dir, 'switchboard.token');
  await writeFile(tokenFile, token, { mode: 0o600 });
  const target = new URL(url).host;
  const config = path.join(dir, 'prometheus.yml');
  await writeFile(
    config,
    ['global: { scrape_interval: 1s, scrape_timeout: 1s }', 'scrape_configs:', '  - job_name: switchboard', `    authorization: { type: Bearer, credentials_file: ${tokenFile} }`, `    static_configs: [{ targets: ['${target}'] }]`, ''].join('\n'),
  );
  const promPort = await freePort();
  const prom = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let promLog = '';
  prom.stderr.on('data', (d: Buffer) => (promLog += d.toString()));
  prom.on('error', (err) => t.fail(`prometheus could not start (Debian package prometheus): ${err.message}`));
  t.teardown(() => stop(prom));

  let target0: { health: string; lastError: string } | undefined;
  for (let i = 0; i < 60 && target0?.health !== 'up'; i++) {
    await new Promise((r) => setTimeout(r, 500));
    try {
      const r = await fetch(`http://127.0.0.1:${promPort}/api/v1/targets`);
      target0 = ((await r.json()) as { data: { activeTargets: Array<{ health: string; lastError: string }> } }).data.activeTargets[0];
    } catch {
      // not listening yet
    }
  }
  t.equal(target0?.health, 'up', `the target is up (last error: ${target0?.lastError ?? 'none'}; ${promLog.slice(-500)})`);
  // A scrape is counted once its response is sent, so the series shows from the second scrape on.
  let stored = 0;
  for (let i = 0; i < 20 && stored < 1; i++) {
    const q = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent('swb_http_requests_total{route="/metrics",status="2xx"}')}`);
    const result = ((await q.json()) as { data: { result: Array<{ value: [number, string] }> } }).data.result;
    stored = result.length === 1 ? Number(result[0]!.value[1]) : 0;
    if (stored < 1) await new Promise((r) => setTimeout(r, 500));
  }
  t.ok(stored >= 1, 'Prometheus stored the appliance\'s own series');
});
