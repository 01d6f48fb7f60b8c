import { storeBench } from './store.bench.js';
import { loginBench } from './login.bench.js';
import { gatewayBench } from './gateway.bench.js';
import { lifecycleBench } from './lifecycle.bench.js';
import { metricsBench } from './metrics.bench.js';
import { mediaBench } from './media.bench.js';
import { mediaLoadBench } from './media-load.bench.js';
import { sipBench } from './sip.bench.js';
import { consoleBench } from './console.bench.js';
import { printTable, type BenchRow } from './harness.js';

/** `npm run bench`: every figure beside a ceiling measured in the same run, on this machine. */
const suites: Array<[string, () => Promise<BenchRow[]>]> = [
  ['store', storeBench],
  ['login', loginBench],
  ['gateway', gatewayBench],
  ['lifecycle', lifecycleBench],
  ['metrics', metricsBench],
  ['media', mediaBench],
  // Real FreeSWITCH, drachtio-server and SIPp (about 3 minutes): `npm run bench -- media` runs it after the replay, `media-load` alone.
  ['media-load', mediaLoadBench],
  ['sip', sipBench],
  // Debian's Chromium with 50 operators' consoles open, then a 10,000-row inbox (about 2 minutes).
  ['console', consoleBench],
];

const only = process.argv.slice(2);
const rows: BenchRow[] = [];
for (const [name, suite] of suites) {
  if (only.length && !only.includes(name) && !(name === 'media-load' && only.includes('media'))) continue;
  process.stderr.write(`bench: ${name}...\n`);
  rows.push(...(await suite()));
}
printTable(rows);
