import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bigInbox } from './console-inbox.js';
import { liveLatency } from './console-live.js';
import { scratchDir, type BenchRow } from './harness.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CEILING_KB = 200;

/**
 * The console's first load, as scripts/console-size.mjs weighs it at every
 * build (each script and stylesheet gzipped as served): the build is run here,
 * so the figure is of the console this bench then drives.
 */
function firstLoad(): BenchRow {
  const out = execFileSync('npm', ['run', '--silent', 'build:console'], { cwd: ROOT, encoding: 'utf8' });
  const m = /JavaScript \+ CSS ([\d.]+) KB gzipped \(([\d.]+) KB raw/.exec(out);
  if (!m) throw new Error(`console-size printed no weight: ${out}`);
  const kb = Number(m[1]);
  return { name: `console first load, JavaScript + CSS gzipped (${m[2]} KB raw)`, value: kb, unit: 'KB', ceilingName: 'the issue\'s ceiling', ceiling: CEILING_KB, better: 'lower', target: `<= ${CEILING_KB} KB`, pass: kb <= CEILING_KB };
}

/** The operator console in Debian's Chromium, against the running appliance (about 2 minutes). */
export async function consoleBench(): Promise<BenchRow[]> {
  const rows = [firstLoad()];
  for (const suite of process.env.BENCH_ONLY === 'live' ? [liveLatency] : [liveLatency, bigInbox]) {
    const { dir, cleanup } = await scratchDir();
    try {
      rows.push(...(await suite(dir)));
    } finally {
      await cleanup();
    }
  }
  return rows;
}
