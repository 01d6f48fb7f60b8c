import t from 'tap';
import type { Test } from 'tap';
import { createServer, type Socket } from 'node:net';
import { EslConnection } from '../../../sip/media/freeswitch/esl-connection.js';
import { answerEsl } from '../../helpers/esl-replay.js';

/*
 * Commands go one at a time (modesl matches replies first in, first out), so a
 * command may wait behind slow replies. Its own reply still gets the whole
 * command timeout: a link dropped because a command was SENT late would hang
 * up every call anchored on a server that is slow, not gone.
 */

/** An EslConnection (1 s command timeout) logged in to a stand-in that answers each api command after `delayMs`. */
async function slowServer(t: Test, delayMs: number): Promise<EslConnection> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    answerEsl(s, () => {}, (cmd) => new Promise((r) => setTimeout(() => r(`+OK ${cmd}`), delayMs)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const esl = new EslConnection({ host: '127.0.0.1', port: typeof addr === 'object' && addr ? addr.port : 0, password: 'x', events: ['CHANNEL_CREATE'], commandTimeoutMs: 1000, probeIntervalMs: 0 });
  t.teardown(async () => {
    await esl.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
  esl.start();
  while (esl.state !== 'up') await new Promise((r) => setTimeout(r, 20));
  return esl;
}

t.test('a command queued behind slow replies gets its whole timeout once sent: the link is not dropped', async (t) => {
  const esl = await slowServer(t, 600);
  // Queued together: the second is sent ~600 ms in, with less than its timeout left of the wait.
  const replies = await Promise.all([esl.api('uuid_bridge a b'), esl.api('uuid_record a start /tmp/x.wav')]);
  t.same(replies.map((r) => r.trim()), ['+OK uuid_bridge a b', '+OK uuid_record a start /tmp/x.wav']);
  t.match(esl.stats(), { timeouts: 0, poisoned: 0, connects: 1, state: 'up' });
});

t.test('a command that waited in the queue past its timeout is refused without being sent, and the link stays up', async (t) => {
  const esl = await slowServer(t, 700);
  const first = esl.api('status');
  const late = esl.api('uuid_record a start /tmp/x.wav', 300);
  await t.rejects(late, { code: 'SWB_ERR_MEDIA_TIMEOUT', message: /waited too long for its turn/ });
  t.equal((await first).trim(), '+OK status');
  t.match(esl.stats(), { timeouts: 0, poisoned: 0, state: 'up' });
});
