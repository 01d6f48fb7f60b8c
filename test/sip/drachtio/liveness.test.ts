import t from 'tap';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { WireLiveness, wireOf } from '../../../sip/drachtio/liveness.js';
import type { Srf } from '../../../sip/drachtio/srf.js';

function wire(): EventEmitter & { isClient: true } {
  return Object.assign(new EventEmitter(), { isClient: true as const });
}

function socket(): Socket & { destroyed: boolean } {
  const s = { destroyed: false, destroy: () => (s.destroyed = true) };
  return s as unknown as Socket & { destroyed: boolean };
}

t.test('a wire silent for more than two ping intervals is destroyed, once, and the silence reported', async (t) => {
  const w = wire();
  const s = socket();
  const silences: number[] = [];
  const live = new WireLiveness(w, { pingMs: 100, onSilent: (ms) => silences.push(ms) });
  t.teardown(() => live.stop());
  w.emit('connect', s);
  await new Promise((r) => setTimeout(r, 900));
  t.ok(s.destroyed, 'the socket was destroyed');
  t.equal(silences.length, 1, 'reported once');
  t.ok(silences[0]! > 200, 'after more than two intervals of silence');
});

t.test('a wire that keeps talking (pongs, SIP traffic) is left alone', async (t) => {
  const w = wire();
  const s = socket();
  let silent = false;
  const live = new WireLiveness(w, { pingMs: 100, onSilent: () => (silent = true) });
  t.teardown(() => live.stop());
  w.emit('connect', s);
  const talk = setInterval(() => w.emit('msg', s, 'pong'), 50);
  await new Promise((r) => setTimeout(r, 900));
  clearInterval(talk);
  t.notOk(s.destroyed);
  t.notOk(silent);
});

t.test('nothing is destroyed before the wire has a socket, and a closed wire stops being watched', async (t) => {
  const w = wire();
  let silent = false;
  const live = new WireLiveness(w, { pingMs: 100, onSilent: () => (silent = true) });
  await new Promise((r) => setTimeout(r, 600));
  t.notOk(silent, 'no socket yet: the OS connect timeout owns that case');
  const s = socket();
  w.emit('connect', s);
  w.emit('close', s);
  await new Promise((r) => setTimeout(r, 600));
  t.notOk(s.destroyed);
  live.stop();
});

t.test('wireOf finds drachtio-srf\'s wire and refuses shapes it does not know', async (t) => {
  const w = wire();
  t.equal(wireOf({ _app: { client: { wp: w } } } as unknown as Srf), w);
  t.equal(wireOf({} as unknown as Srf), null);
  t.equal(wireOf({ _app: { client: { wp: { isClient: true } } } } as unknown as Srf), null);
  t.equal(wireOf({ _app: { client: { wp: Object.assign(new EventEmitter(), { isClient: false }) } } } as unknown as Srf), null);
});
