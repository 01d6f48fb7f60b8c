import t from 'tap';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../helpers/cli.js';

/*
 * parse-guard.ts and liveness.ts reach into drachtio-srf's internals (the agent's `_onMsg`, the
 * parser module, `srf._app.client.wp`): no public API gives what they need. The version is pinned
 * exactly, and this fails loudly the day an upgrade moves any of them, instead of the guards
 * silently doing nothing.
 */
const require = createRequire(import.meta.url);

t.test('drachtio-srf is pinned to one exact version, and that version is the one installed', async (t) => {
  const wanted = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies['drachtio-srf'];
  t.match(wanted, /^\d+\.\d+\.\d+$/, 'no range: an upgrade is a deliberate change that reruns this file');
  t.equal((require('drachtio-srf/package.json') as { version: string }).version, wanted);
});

t.test("the agent's message handler and the parser the parse guard wraps are still there", async (t) => {
  const Agent = require('drachtio-srf/lib/drachtio-agent') as { prototype: Record<string, unknown> };
  t.type(Agent.prototype._onMsg, 'function', 'DrachtioAgent.prototype._onMsg');
  const parser = require('drachtio-srf/lib/sip-parser/parser') as Record<string, unknown>;
  t.type(parser.parseSipMessage, 'function', 'sip-parser/parser.parseSipMessage');
  t.ok(Object.getOwnPropertyDescriptor(parser, 'parseSipMessage')?.writable, 'and can be wrapped');
});

// srf._app.client.wp is proven on a live connection by test/sip/drachtio/connection.test.ts: a hung
// drachtio-server is noticed only through the wire wireOf finds.
