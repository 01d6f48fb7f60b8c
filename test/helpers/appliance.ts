import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Test } from 'tap';
import { build, type Appliance } from '../../appliance/app.js';
import { validateConfig } from '../../appliance/config/load.js';
import { createLogger } from '../../common/log.js';
import type { HumanRole, ServiceRole } from '../../domain/access/roles.js';

export const STRONG_PASSWORD = 'correct horse battery staple 42';

/** Every log line the appliance wrote, for tests that treat logs as a contract. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
  records(): Array<Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export async function tempDir(t: Test, prefix = 'swb-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  // Retries: a checkpoint write of the audit log may land while the tree is being removed.
  t.teardown(() => rm(dir, { recursive: true, force: true, maxRetries: 5 }));
  return dir;
}

/** A built (not listening) appliance on a fresh store, closed when the test ends. */
export async function testAppliance(t: Test, raw: Record<string, unknown> = {}): Promise<{ app: Appliance; logs: LogCapture; dataDir: string }> {
  const dataDir = await tempDir(t);
  const logs = new LogCapture();
  const config = validateConfig({ dataDir, ...raw }, 'test');
  const app = await build({ config, logger: createLogger({ level: 'info', destination: logs }) });
  t.teardown(() => app.close());
  return { app, logs, dataDir };
}

/** A user and a live session token, without going through login (whose TOTP codes are single-use per 30 s). */
export async function userWithToken(app: Appliance, username: string, role: HumanRole, department: string | null = null): Promise<string> {
  const ctx = { actor: 'test', source: 'test' };
  if (!app.access.users.get(username)) await app.access.users.create({ username, password: STRONG_PASSWORD, role, department }, ctx);
  return app.store.write(() => app.access.sessions.createInTxn(username, 'test').token);
}

export async function serviceToken(app: Appliance, role: ServiceRole): Promise<string> {
  return (await app.access.tokens.create({ role, name: `test-${role}` }, { actor: 'test', source: 'test' })).token;
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
