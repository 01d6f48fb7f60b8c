import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './cli.js';

/** A webhook fixture: named by outcome, carrying why it exists, its headers and its body. */
export function webhookFixture(name: string): { why: string; headers: Record<string, string>; body: unknown; raw: string } {
  const doc = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/webhooks', name), 'utf8')) as { why: string; headers?: Record<string, string>; body: unknown };
  return { why: doc.why, headers: doc.headers ?? {}, body: doc.body, raw: JSON.stringify(doc.body) };
}

export function rawFixture(name: string): string {
  return readFileSync(path.join(ROOT, 'test/fixtures/webhooks', name), 'utf8');
}
