import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createConnection, type Socket } from 'node:net';
import { SwitchboardError } from '../../../common/errors.js';
import { Backoff, unrefTimer } from '../backoff.js';
import type { LinkState, LinkStats } from '../types.js';
import { AmiParser, serializeAction, type AmiMessage } from './ami-parser.js';

/**
 * The appliance's AMI connection to Asterisk: our own small client over
 * net.Socket rather than the npm `asterisk-manager` (0.2.0, read in full): it
 * makes ActionIDs from Date.now() (two actions in one millisecond get suffixes
 * by chance), has no timeout on any action (a callback can wait forever), retries
 * on a fixed 10 s-and-up schedule with console.log, replays held actions after
 * a reconnect (a MixMonitor could then run twice) and ships no types. AMI
 * itself is simple and correlates by ActionID, so this client does what the
 * media layer needs and no more: login, an ActionID per connection prefix (a
 * late reply from an old connection can never match), a deadline on every
 * action, event lists (CoreShowChannels) collected to their Complete event,
 * reconnect with backoff, and the same poisoning rule as the ESL link: a stuck
 * action or an unparseable frame drops the connection and makes a new one.
 */

export interface AmiOptions {
  host: string;
  port: number;
  username: string;
  secret: string;
  /** The Events mask at login, e.g. 'call,system,user'. */
  events?: string;
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** A Ping this often finds a server that accepts bytes but answers nothing (0: off). */
  probeIntervalMs?: number;
}

export interface AmiReply {
  response: AmiMessage;
  /** The items of an event list (empty for plain actions). */
  events: AmiMessage[];
}

interface Pending {
  action: string;
  timer: NodeJS.Timeout;
  list: AmiMessage[] | null;
  response: AmiMessage | null;
  resolve: (r: AmiReply) => void;
  reject: (e: SwitchboardError) => void;
}

export class AmiConnection extends EventEmitter<{ event: [AmiMessage]; state: [LinkState] }> {
  private socket: Socket | null = null;
  private generation = 0;
  private prefix = '';
  private seq = 0;
  private linkState: LinkState = 'down';
  private readonly pending = new Map<string, Pending>();
  private readonly backoff: Backoff;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly counters: LinkStats = { state: 'down', connects: 0, timeouts: 0, poisoned: 0, events: 0, lastError: null };
  readonly opts: Required<AmiOptions>;

  constructor(opts: AmiOptions) {
    super();
    this.opts = { events: 'call,system,user', commandTimeoutMs: 5000, connectTimeoutMs: 5000, reconnectMinMs: 200, reconnectMaxMs: 10_000, probeIntervalMs: 10_000, ...opts };
    this.backoff = new Backoff(this.opts.reconnectMinMs, this.opts.reconnectMaxMs);
  }

  get state(): LinkState {
    return this.linkState;
  }

  stats(): LinkStats {
    return { ...this.counters, state: this.linkState };
  }

  start(): void {
    if (this.linkState === 'closed' || this.socket || this.timers.size) return;
    this.connect();
  }

  async close(): Promise<void> {
    this.drop('closed', 'closed by the appliance');
  }

  /** Sends an action; resolves with its response (and list items), rejects on Response: Error, timeout or a lost link. */
  action(fields: Record<string, string>, timeoutMs = this.opts.commandTimeoutMs): Promise<AmiReply> {
    if (this.linkState !== 'up') return Promise.reject(new SwitchboardError('SWB_ERR_MEDIA_UNAVAILABLE', `Asterisk AMI is ${this.linkState}`));
    return this.send(fields, timeoutMs);
  }

  private send(fields: Record<string, string>, timeoutMs: number): Promise<AmiReply> {
    for (const [k, v] of Object.entries(fields)) {
      if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) return Promise.reject(new SwitchboardError('SWB_ERR_VALIDATION', `AMI ${fields.Action}: ${k} holds a line break`));
    }
    const id = `${this.prefix}-${++this.seq}`;
    const gen = this.generation;
    return new Promise((resolve, reject) => {
      const timer = unrefTimer(() => {
        if (gen !== this.generation || !this.pending.has(id)) return;
        this.counters.timeouts++;
        this.poison(`no response to ${fields.Action} in ${timeoutMs} ms`);
      }, timeoutMs);
      this.pending.set(id, { action: fields.Action ?? '', timer, list: null, response: null, resolve, reject });
      this.socket?.write(serializeAction({ Action: fields.Action ?? '', ActionID: id, ...fields }));
    });
  }

  private connect(): void {
    this.timers.clear();
    const gen = ++this.generation;
    this.prefix = randomBytes(4).toString('hex');
    this.setState('connecting');
    const parser = new AmiParser();
    const socket = createConnection({ host: this.opts.host, port: this.opts.port });
    this.socket = socket;
    socket.setNoDelay(true);
    const stale = (): boolean => gen !== this.generation;
    this.later(() => !stale() && this.poison(`not logged in within ${this.opts.connectTimeoutMs} ms`), this.opts.connectTimeoutMs, gen);
    socket.on('error', (err) => !stale() && this.lost(`socket error: ${err.message}`));
    socket.on('close', () => !stale() && this.lost('the AMI socket closed'));
    socket.on('data', (chunk: Buffer) => {
      for (const frame of parser.push(chunk)) {
        if (stale()) return;
        if (frame.kind === 'garbage') return this.poison(`unparseable AMI frame: ${JSON.stringify(frame.text)}`);
        if (frame.kind === 'greeting') this.login(gen);
        else this.onMessage(frame.message);
      }
    });
  }

  private login(gen: number): void {
    this.send({ Action: 'Login', Username: this.opts.username, Secret: this.opts.secret, Events: this.opts.events }, this.opts.commandTimeoutMs).then(
      () => {
        if (gen !== this.generation) return;
        this.counters.connects++;
        this.counters.lastError = null;
        this.backoff.reset();
        for (const t of this.timers) clearTimeout(t);
        this.timers.clear();
        this.setState('up');
        this.probe(gen);
      },
      (err: SwitchboardError) => {
        if (gen !== this.generation) return;
        this.counters.lastError = `login refused: ${err.message}`;
        this.lost(this.counters.lastError);
      },
    );
  }

  private onMessage(m: AmiMessage): void {
    const id = m.fields.ActionID;
    const p = id === undefined ? undefined : this.pending.get(id);
    if (m.type === 'event') {
      this.counters.events++;
      if (p?.list) {
        if (m.fields.EventList === 'Complete') this.settle(id!, null);
        else p.list.push(m);
        return;
      }
      try {
        this.emit('event', m);
      } catch (err) {
        this.counters.lastError = `event listener threw: ${(err as Error).message}`;
      }
      return;
    }
    // A response nobody waits for: a late reply to an action that timed out on an older link. Harmless by ActionID.
    if (!p) return;
    p.response = m;
    if (m.name === 'Error') return this.settle(id!, new SwitchboardError('SWB_ERR_MEDIA_REFUSED', `${p.action}: ${m.fields.Message ?? 'error'}`));
    if ((m.fields.EventList ?? '').toLowerCase() === 'start') {
      p.list = [];
      return;
    }
    this.settle(id!, null);
  }

  private settle(id: string, err: SwitchboardError | null): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (err) p.reject(err);
    else p.resolve({ response: p.response!, events: p.list ?? [] });
  }

  private probe(gen: number): void {
    if (!this.opts.probeIntervalMs) return;
    this.later(() => this.action({ Action: 'Ping' }).then(() => this.probe(gen), () => gen === this.generation && this.probe(gen)), this.opts.probeIntervalMs, gen);
  }

  private later(fn: () => void, ms: number, gen: number): void {
    const t = unrefTimer(() => {
      this.timers.delete(t);
      if (gen === this.generation) fn();
    }, ms);
    this.timers.add(t);
  }

  private poison(reason: string): void {
    if (this.linkState === 'closed') return;
    this.counters.poisoned++;
    this.lost(reason);
  }

  private lost(reason: string): void {
    if (this.linkState === 'closed') return;
    if (!this.counters.lastError?.startsWith('login refused')) this.counters.lastError = reason;
    this.drop('down', reason);
    const gen = this.generation;
    this.later(() => this.connect(), this.backoff.next(), gen);
  }

  private drop(next: 'down' | 'closed', reason: string): void {
    this.generation++;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.socket?.destroy();
    this.socket = null;
    const timedOut = reason.startsWith('no response');
    for (const id of [...this.pending.keys()]) {
      this.settle(id, new SwitchboardError(timedOut ? 'SWB_ERR_MEDIA_TIMEOUT' : 'SWB_ERR_MEDIA_UNAVAILABLE', `Asterisk AMI lost: ${reason}`));
    }
    this.setState(next);
  }

  private setState(s: LinkState): void {
    if (this.linkState === s) return;
    this.linkState = s;
    this.emit('state', s);
  }
}
