import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI, as an admin runs it: the suite builds dist/ before it runs (scripts/test.sh). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'dist/appliance/cli/main.js');
/** Lab mode's own entry point, built with the bench by tsconfig.dev.json (never in dist/). */
export const LAB_CLI = path.join(ROOT, 'build/dev/lab/main.js');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], opts: { env?: Record<string, string>; stdin?: string; timeoutMs?: number; cli?: string } = {}): Promise<RunResult> {
  const child = spawn(process.execPath, [opts.cli ?? CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(opts.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, stdout, stderr };
}

/** A running appliance process; resolves once it logs that it listens. */
export async function startAppliance(env: Record<string, string>, readyMsg = 'switchboard listening'): Promise<{ child: ChildProcess; logs: string[]; url: string }> {
  const child = spawn(process.execPath, [CLI, 'start'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  let buf = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`appliance did not start: ${logs.join('\n')}`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        logs.push(line);
        if (line.includes(readyMsg)) {
          clearTimeout(timer);
          const address = (JSON.parse(line) as { address: string }).address;
          resolve({ child, logs, url: address });
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`appliance exited ${code}: ${logs.join('\n')}`));
    });
  });
}

export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, 'exit');
  child.kill(signal);
  const [code] = (await exited) as [number | null];
  return code;
}
