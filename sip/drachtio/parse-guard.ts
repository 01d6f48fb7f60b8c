import { createRequire } from 'node:module';

/**
 * drachtio-server forwards some requests its own parser (sofia) accepts but
 * drachtio-srf's does not: RFC 4475 §3.1.1.5 `lwsstart.dat` (extra spaces in
 * the request line) is one. drachtio-srf 5.0.29 (lib/drachtio-agent.js
 * `_onMsg`) then logs "unable to parse incoming message" and drops it, so no
 * final response is ever sent: the server transaction in drachtio-server stays
 * open, and the phone retransmits into it.
 *
 * This wraps the agent's message handler once per process: a network request
 * the library could not parse gets `400 Bad Request` through drachtio-server
 * (which builds the response from its own transaction: only the status line
 * is ours), and is counted; everything else is the library's as before.
 */
interface AgentProto {
  _onMsg(this: AgentLike, socket: unknown, msg: string): void;
  __swbParseGuard?: boolean;
}
interface AgentLike {
  wp: { send(socket: unknown, msg: string): string };
}

type LazyParse = { parseSipMessage: (raw: string, lazy: boolean) => unknown };

let onUnparsable: (method: string) => void = () => {};

/**
 * Installs the guard (idempotent); `count` is told the method of each refused
 * request. The library's own parse is observed rather than repeated: the
 * parser module's function is wrapped to note a failure, and the agent's
 * handler checks for one after it ran (a second parse of every message would
 * cost the REGISTER path about a tenth of its throughput).
 */
export function installParseGuard(count: (method: string) => void): void {
  onUnparsable = count;
  const require = createRequire(import.meta.url);
  const Agent = require('drachtio-srf/lib/drachtio-agent') as { prototype: AgentProto };
  const parser = require('drachtio-srf/lib/sip-parser/parser') as LazyParse;
  const proto = Agent.prototype;
  if (proto.__swbParseGuard) return;
  let failed = false;
  const parse = parser.parseSipMessage;
  parser.parseSipMessage = (raw: string, lazy: boolean): unknown => {
    const m = parse(raw, lazy);
    if (!m) failed = true;
    return m;
  };
  const original = proto._onMsg;
  proto._onMsg = function guarded(this: AgentLike, socket: unknown, msg: string): void {
    failed = false;
    original.call(this, socket, msg);
    if (!failed) return;
    failed = false;
    const pos = msg.indexOf('\r');
    const token = (pos === -1 ? msg : msg.slice(0, pos)).split('|');
    if (token[1] !== 'sip' || token[2] !== 'network' || pos === -1) return;
    const raw = msg.slice(pos + 2);
    if (raw.startsWith('SIP/2.0 ')) return;
    const method = /^(\S+)/.exec(raw)?.[1] ?? '';
    onUnparsable(method);
    // ACK has no response (RFC 3261 §17.2.1); anything else gets its final answer.
    if (method !== 'ACK' && token[8]) this.wp.send(socket, `sip|${token[8]}|\r\nSIP/2.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n`);
  };
  proto.__swbParseGuard = true;
}
