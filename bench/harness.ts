import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** One row of the bench table: a figure beside the ceiling measured in the same run. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  ceilingName: string;
  ceiling: number;
  /** 'higher' when bigger is better (throughput), 'lower' for latency. */
  better: 'higher' | 'lower';
  target: string;
  pass: boolean;
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export async function scratchDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'swb-bench-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function fmt(n: number): string {
  if (n >= 1000) return Math.round(n).toLocaleString('en-US');
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(3);
}

export function printTable(rows: BenchRow[]): void {
  const lines = [
    '| figure | value | ceiling (same run) | ratio | target | met |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const ratio = r.better === 'higher' ? r.value / r.ceiling : r.ceiling / r.value;
      return `| ${r.name} | ${fmt(r.value)} ${r.unit} | ${r.ceilingName}: ${fmt(r.ceiling)} ${r.unit} | ${Number.isFinite(ratio) ? `${(ratio * 100).toFixed(0)}%` : '—'} | ${r.target} | ${r.pass ? 'yes' : 'NO'} |`;
    }),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
