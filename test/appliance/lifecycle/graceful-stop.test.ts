import t from 'tap';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAppliance, stop } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/appliance.js';
import { notifySocket } from '../../helpers/notify-socket.js';

/** True once a fresh TCP connection to the port is refused. */
async function refused(port: number): Promise<boolean> {
  const socket = net.connect(port, '127.0.0.1');
  const [outcome] = (await Promise.race([once(socket, 'connect').then(() => ['connected']), once(socket, 'error')])) as [string | NodeJS.ErrnoException];
  socket.destroy();
  return typeof outcome !== 'string' && outcome.code === 'ECONNREFUSED';
}

t.test('on SIGTERM the appliance says STOPPING=1, refuses new connections, finishes the request in flight, and exits 0', async (t) => {
  const dir = await tempDir(t);
  const sock = await notifySocket(t, path.join(dir, 'notify.sock'));
  const { child, url } = await startAppliance({ SWITCHBOARD_DATA_DIR: path.join(dir, 'data'), SWITCHBOARD_LISTEN: '127.0.0.1:0', NOTIFY_SOCKET: sock.address });
  t.teardown(() => stop(child, 'SIGKILL'));
  const port = Number(new URL(url).port);
  await sock.waitFor((d) => d.fields.READY === '1', 5_000, 'READY=1');

  // A login whose body is still on its way when SIGTERM lands: in flight, not idle.
  const body = JSON.stringify({ username: 'nobody', password: 'not the password at all' });
  const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/sessions', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
  const response = once(req, 'response') as Promise<[http.IncomingMessage]>;
  req.write(body.slice(0, 10));
  await sleep(300);

  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await sock.waitFor((d) => d.fields.STOPPING === '1', 5_000, 'STOPPING=1');
  let closed = false;
  for (let i = 0; i < 20 && !closed; i++) closed = (await refused(port)) || (await sleep(50), false);
  t.ok(closed, 'a new connection is refused while stopping');
  t.equal(child.exitCode, null, 'still running while a request is in flight');

  req.end(body.slice(10));
  const [res] = await response;
  res.resume();
  t.equal(res.statusCode, 401, 'the request in flight gets its real answer (bad credentials), not a reset');
  const [code] = (await exited) as [number | null];
  t.equal(code, 0, 'then it exits 0');
});
