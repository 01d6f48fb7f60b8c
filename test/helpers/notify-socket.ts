import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Test } from 'tap';

/*
 * A real sd_notify receiver: a unix DATAGRAM socket, as systemd binds it. Node
 * cannot bind one, so a short python3 program does (python3 ships in every
 * Debian base; Debian package `python3`). We chose it over `socat UNIX-RECV`
 * because socat writes datagrams back to back with no boundary, and because
 * python can turn on SO_PASSCRED and report the sender's PID from the kernel,
 * which is the check systemd makes for NotifyAccess=main.
 */
const RECEIVER = String.raw`
import json, socket, struct, sys, time
name = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind('\0' + name[1:] if name.startswith('@') else name)
print(json.dumps({'bound': name}), flush=True)
while True:
    data, anc, _flags, _addr = s.recvmsg(4096, socket.CMSG_SPACE(12))
    pid = None
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack('iII', payload[:12])[0]
    print(json.dumps({'t': time.time() * 1000, 'pid': pid, 'text': data.decode('utf-8', 'replace')}), flush=True)
`;

export interface Datagram {
  /** Receive time, ms since the epoch (the receiver's clock, which is this machine's). */
  t: number;
  /** The sender's PID, from the kernel's SCM_CREDENTIALS. */
  pid: number | null;
  /** KEY=value assignments of the one datagram. */
  fields: Record<string, string>;
  text: string;
}

export interface NotifySocket {
  /** The value for NOTIFY_SOCKET. */
  address: string;
  received: Datagram[];
  /** Resolves with the first datagram (already received or yet to come) that matches. */
  waitFor(match: (d: Datagram) => boolean, timeoutMs: number, what: string): Promise<Datagram>;
}

/** Bind a receiver at a path or '@abstract' name; it is killed when the test ends. */
export async function notifySocket(t: Pick<Test, 'teardown'>, address: string): Promise<NotifySocket> {
  const child: ChildProcess = spawn('python3', ['-c', RECEIVER, address], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const spawned = await Promise.race([once(child, 'spawn').then(() => null), once(child, 'error').then(([e]) => e as NodeJS.ErrnoException)]);
  if (spawned) throw new Error(`cannot run python3 (${spawned.code}): install the Debian package python3 (scripts/install-test-deps.sh)`);
  t.teardown(() => {
    child.kill('SIGKILL');
  });

  const received: Datagram[] = [];
  const waiters = new Set<() => void>();
  let bound!: () => void;
  const isBound = new Promise<void>((resolve) => (bound = resolve));
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = JSON.parse(buf.slice(0, i)) as { bound?: string; t: number; pid: number | null; text: string };
      buf = buf.slice(i + 1);
      if (line.bound) bound();
      else received.push({ t: line.t, pid: line.pid, text: line.text, fields: parseFields(line.text) });
      for (const w of waiters) w();
    }
  });
  const exited = once(child, 'exit').then(() => {
    throw new Error(`notify receiver exited: ${stderr}`);
  });
  exited.catch(() => {});
  await Promise.race([isBound, exited]);

  return {
    address,
    received,
    waitFor(match, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const hit = received.find(match);
          if (!hit) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(hit);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${what} within ${timeoutMs} ms; received: ${JSON.stringify(received.map((d) => d.text))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

function parseFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return fields;
}
