import t from 'tap';
import type { Test } from 'tap';
import { createServer, type Socket } from 'node:net';
import { EslConnection } from '../../../sip/media/freeswitch/esl-connection.js';

/*
 * Commands go one at a time (modesl matches replies first in, first out), so a
 * command may wait behind slow replies. Its own reply still gets the whole
 * command timeout: a link dropped because a command was SENT late would hang
 * up every call anchored on a server that is slow, not gone.
 */

/** An ESL stand-in that answers each api command `delayMs` after the previous reply, in order. */
async function slowEsl(t: Test, delayMs: number): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.write('Content-Type: auth/request\n\n');
    let buf = '';
    let chain = Promise.resolve();
    s.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
        const cmd = buf.slice(0, end);
        buf = buf.slice(end + 2);
        if (cmd.startsWith('auth ')) s.write('Content-Type: command/reply\nReply-Text: +OK accepted\n\n');
        else if (cmd.startsWith('event ')) s.write('Content-Type: command/reply\nReply-Text: +OK event listener enabled json\n\n');
        else if (cmd.startsWith('api ')) {
          const body = `+OK ${cmd.slice(4)}`;
          chain = chain.then(() => new Promise((r) => setTimeout(r, delayMs))).then(() => {
            s.write(`Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`);
          });
        } else s.write('Content-Type: command/reply\nReply-Text: +OK\n\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
  const addr = server.address();
  return typeof addr === 'object' && addr ? addr.port : 0;
}

t.test('a command queued behind slow replies gets its whole timeout once sent: the link is not dropped', async (t) => {
  const port = await slowEsl(t, 600);
  const esl = new EslConnection({ host: '127.0.0.1', port, password: 'x', events: ['CHANNEL_CREATE'], commandTimeoutMs: 1000, probeIntervalMs: 0 });
  t.teardown(() => esl.close());
  esl.start();
  while (esl.state !== 'up') await new Promise((r) => setTimeout(r, 20));
  // Queued together: the second is sent ~600 ms in, with less than its timeout left of the wait.
  const replies = await Promise.all([esl.api('uuid_bridge a b'), esl.api('uuid_record a start /tmp/x.wav')]);
  t.same(replies.map((r) => r.trim()), ['+OK uuid_bridge a b', '+OK uuid_record a start /tmp/x.wav']);
  t.match(esl.stats(), { timeouts: 0, poisoned: 0, connects: 1, state: 'up' });
});

t.test('a command that waited in the queue past its timeout is refused without being sent, and the link stays up', async (t) => {
  const port = await slowEsl(t, 700);
  const esl = new EslConnection({ host: '127.0.0.1', port, password: 'x', events: ['CHANNEL_CREATE'], commandTimeoutMs: 1000, probeIntervalMs: 0 });
  t.teardown(() => esl.close());
  esl.start();
  while (esl.state !== 'up') await new Promise((r) => setTimeout(r, 20));
  const first = esl.api('status');
  const late = esl.api('uuid_record a start /tmp/x.wav', 300);
  await t.rejects(late, { code: 'SWB_ERR_MEDIA_TIMEOUT', message: /waited too long for its turn/ });
  t.equal((await first).trim(), '+OK status');
  t.match(esl.stats(), { timeouts: 0, poisoned: 0, state: 'up' });
});
