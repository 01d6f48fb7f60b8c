import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import esl, { type Connection, type Event as ModeslEvent } from 'modesl';
import { SwitchboardError } from '../../../common/errors.js';
import { Backoff, unrefTimer } from '../backoff.js';
import type { LinkState, LinkStats } from '../types.js';

/**
 * The appliance's one inbound event-socket connection to FreeSWITCH, owned
 * around modesl 1.2.1. modesl parses the wire and correlates replies, but:
 * - it never reconnects, and a new modesl Connection forgets the subscription;
 * - it matches `api` and command replies to callbacks first-in-first-out, with
 *   no timeout, so one lost or extra reply shifts every later one onto the
 *   wrong caller for the rest of the connection;
 * - a malformed frame can throw out of its socket 'data' handler (a bad %-escape
 *   in decodeURIComponent) and crash the process.
 * So here: one command in flight at a time (an unexpected extra reply is then
 * detectable instead of silently shifting the queue), a deadline on every
 * command, and any sign that the byte stream can no longer be trusted (a timed
 * out reply, an unexpected reply, an unparseable frame) "poisons" the
 * connection: it is dropped and a new one made, with backoff, and the events
 * subscribed again. Slow work goes through `bgapi`, whose result comes back as
 * a BACKGROUND_JOB event matched by our own Job-UUID, not by position.
 */

export interface EslOptions {
  host: string;
  port: number;
  password: string;
  /** FreeSWITCH event names to subscribe to (BACKGROUND_JOB is always added). */
  events: string[];
  commandTimeoutMs?: number;
  /** From TCP connect to logged in and subscribed. */
  connectTimeoutMs?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** A `status` probe this often finds a server that accepts bytes but answers nothing (0: off). */
  probeIntervalMs?: number;
}

export interface EslEvent {
  name: string;
  headers: Record<string, string>;
  body: string;
}

interface Command {
  kind: 'api' | 'cmd';
  text: string;
  args: Record<string, string> | null;
  /** Until when it may wait for its turn in the queue. */
  deadline: number;
  /** How long FreeSWITCH has to reply once it is sent. */
  timeoutMs: number;
  timer: NodeJS.Timeout | null;
  resolve: (reply: ModeslEvent) => void;
  reject: (err: SwitchboardError) => void;
}

const KNOWN_FRAMES = new Set(['text/event-json', 'api/response', 'command/reply', 'auth/request', 'log/data', 'text/disconnect-notice']);

export class EslConnection extends EventEmitter<{ event: [EslEvent]; state: [LinkState] }> {
  private conn: Connection | null = null;
  /** Bumped on every new socket: callbacks of an older one find it stale and do nothing. */
  private generation = 0;
  private linkState: LinkState = 'down';
  private queue: Command[] = [];
  private inFlight: Command | null = null;
  /** The reply our callback consumed last: a reply frame that is not it was unexpected. */
  private lastReply: ModeslEvent | null = null;
  /** Set after our own subscribe reply: modesl's internal ones before it are expected. */
  private armed = false;
  private readonly jobs = new Map<string, { resolve: (body: string) => void; reject: (e: SwitchboardError) => void; timer: NodeJS.Timeout }>();
  private readonly backoff: Backoff;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private connectTimer: NodeJS.Timeout | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  private readonly counters: LinkStats = { state: 'down', connects: 0, timeouts: 0, poisoned: 0, events: 0, lastError: null };
  readonly opts: Required<EslOptions>;

  constructor(opts: EslOptions) {
    super();
    this.opts = { commandTimeoutMs: 5000, connectTimeoutMs: 5000, reconnectMinMs: 200, reconnectMaxMs: 10_000, probeIntervalMs: 10_000, ...opts };
    this.backoff = new Backoff(this.opts.reconnectMinMs, this.opts.reconnectMaxMs);
  }

  get state(): LinkState {
    return this.linkState;
  }

  stats(): LinkStats {
    return { ...this.counters, state: this.linkState };
  }

  start(): void {
    if (this.linkState === 'closed' || this.conn || this.reconnectTimer) return;
    this.connect();
  }

  async close(): Promise<void> {
    this.drop('closed', 'closed by the appliance');
  }

  /** An `api` command: its body, or SWB_ERR_MEDIA_REFUSED for `-ERR`. Keep it quick; use bgapi for anything slow. */
  async api(command: string, timeoutMs = this.opts.commandTimeoutMs): Promise<string> {
    const reply = await this.enqueue('api', command, null, timeoutMs);
    const body = reply.getBody() ?? '';
    if (body.startsWith('-ERR')) throw new SwitchboardError('SWB_ERR_MEDIA_REFUSED', `${command.split(' ')[0]}: ${body.trim()}`);
    return body;
  }

  /** A background job: the command is accepted at once, its result arrives as BACKGROUND_JOB with our Job-UUID. */
  async bgapi(command: string, timeoutMs = 30_000): Promise<string> {
    const jobUuid = randomUUID();
    const result = new Promise<string>((resolve, reject) => {
      const timer = unrefTimer(() => {
        this.jobs.delete(jobUuid);
        reject(new SwitchboardError('SWB_ERR_MEDIA_TIMEOUT', `bgapi ${command.split(' ')[0]} (job ${jobUuid}) did not finish in ${timeoutMs} ms`));
      }, timeoutMs);
      this.jobs.set(jobUuid, { resolve, reject, timer });
    });
    // A job whose acceptance fails is rejected here; the result promise must not then reject unobserved.
    result.catch(() => {});
    try {
      await this.enqueue('cmd', `bgapi ${command}`, { 'Job-UUID': jobUuid }, this.opts.commandTimeoutMs);
    } catch (err) {
      this.settleJob(jobUuid, err as SwitchboardError);
      throw err;
    }
    const body = await result;
    if (body.startsWith('-ERR')) throw new SwitchboardError('SWB_ERR_MEDIA_REFUSED', `${command.split(' ')[0]}: ${body.trim()}`);
    return body;
  }

  private enqueue(kind: Command['kind'], text: string, args: Record<string, string> | null, timeoutMs: number, first = false): Promise<ModeslEvent> {
    if (this.linkState !== 'up' && !first) return Promise.reject(new SwitchboardError('SWB_ERR_MEDIA_UNAVAILABLE', `FreeSWITCH event socket is ${this.linkState}`));
    return new Promise((resolve, reject) => {
      const cmd: Command = { kind, text, args, deadline: Date.now() + timeoutMs, timeoutMs, timer: null, resolve, reject };
      if (first) this.queue.unshift(cmd);
      else this.queue.push(cmd);
      this.pump();
    });
  }

  /** Sends the next command once the one in flight has its reply: one at a time, so the FIFO cannot shift. */
  private pump(): void {
    const conn = this.conn;
    if (this.inFlight || !conn || !conn.socket) return;
    const cmd = this.queue.shift();
    if (!cmd) return;
    const left = cmd.deadline - Date.now();
    if (left <= 0) {
      cmd.reject(new SwitchboardError('SWB_ERR_MEDIA_TIMEOUT', `${cmd.text.split(' ')[0]} waited too long for its turn`));
      return this.pump();
    }
    this.inFlight = cmd;
    const gen = this.generation;
    // The full timeout from the send, not what is left of the queue wait: dropping the link says the
    // server stopped answering, and a command sent late behind slow replies proves nothing of the kind.
    cmd.timer = unrefTimer(() => {
      if (gen !== this.generation || this.inFlight !== cmd) return;
      this.counters.timeouts++;
      this.poison(`no reply to "${cmd.text.split(' ').slice(0, 2).join(' ')}" in time`);
    }, cmd.timeoutMs);
    const done = (reply: ModeslEvent): void => {
      if (gen !== this.generation || this.inFlight !== cmd) return;
      clearTimeout(cmd.timer!);
      this.lastReply = reply;
      this.inFlight = null;
      cmd.resolve(reply);
      this.pump();
    };
    if (cmd.kind === 'api') conn.api(cmd.text, done);
    else conn.sendRecv(cmd.text, cmd.args, done);
  }

  private connect(): void {
    this.reconnectTimer = null;
    const gen = ++this.generation;
    this.setState('connecting');
    this.armed = false;
    const conn = new esl.Connection(this.opts.host, this.opts.port, this.opts.password);
    this.conn = conn;
    const stale = (): boolean => gen !== this.generation;
    this.connectTimer = unrefTimer(() => !stale() && this.poison(`not logged in within ${this.opts.connectTimeoutMs} ms`), this.opts.connectTimeoutMs);
    conn.on('error', (err: Error) => !stale() && this.poison(`socket or parser error: ${err.message}`));
    conn.on('esl::connect', () => {
      if (stale() || !conn.socket || !conn.parser) return;
      const { socket, parser } = conn;
      // modesl writes a command in several small writes; with Nagle on, each after the first waits for
      // FreeSWITCH's delayed ACK (~40 ms), so every api command took ~44 ms and a few a second filled the link.
      socket.setNoDelay(true);
      // modesl's parser throws out of the 'data' handler on some malformed frames; run it inside a guard.
      socket.removeAllListeners('data');
      socket.on('data', (d: Buffer) => {
        if (stale()) return;
        try {
          parser._onData(d);
        } catch (err) {
          this.poison(`unparseable frame: ${(err as Error).message}`);
        }
      });
      socket.on('close', () => !stale() && this.lost('the event socket closed'));
      parser.on('esl::event', (event, headers) => !stale() && this.onFrame(event, headers));
    });
    conn.on('esl::event::auth::fail', () => {
      if (stale()) return;
      this.counters.lastError = 'authentication failed (wrong event_socket password)';
      this.poison(this.counters.lastError);
    });
    conn.on('esl::ready', () => {
      if (stale()) return;
      const events = [...new Set(['BACKGROUND_JOB', ...this.opts.events])].join(' ');
      this.enqueue('cmd', `event json ${events}`, null, this.opts.commandTimeoutMs, true).then(
        () => {
          if (stale()) return;
          clearTimeout(this.connectTimer!);
          this.armed = true;
          this.counters.connects++;
          this.counters.lastError = null;
          this.backoff.reset();
          this.setState('up');
          this.scheduleProbe(gen);
        },
        () => {},
      );
    });
  }

  private onFrame(event: ModeslEvent, headers: Record<string, string | number>): void {
    const type = String(headers['Content-Type'] ?? '');
    if (!KNOWN_FRAMES.has(type)) return this.poison(`unrecognised frame (Content-Type "${type}")`);
    if (type === 'text/event-json') return this.onEvent(event);
    if (type === 'text/disconnect-notice') return this.lost('FreeSWITCH sent a disconnect notice');
    if ((type === 'api/response' || type === 'command/reply') && this.armed && event !== this.lastReply) {
      this.poison(`unexpected ${type} with no command waiting`);
    }
  }

  private onEvent(event: ModeslEvent): void {
    const headers: Record<string, string> = {};
    for (const h of event.headers) headers[h.name] = h.value;
    const name = headers['Event-Name'] ?? '';
    this.counters.events++;
    if (name === 'BACKGROUND_JOB') {
      const id = headers['Job-UUID'];
      if (id) this.settleJob(id, event.getBody() ?? '');
    }
    try {
      this.emit('event', { name, headers, body: event.getBody() ?? '' });
    } catch (err) {
      // A listener's bug must not become a parser failure that drops the link.
      this.counters.lastError = `event listener threw: ${(err as Error).message}`;
    }
  }

  private settleJob(id: string, outcome: string | SwitchboardError): void {
    const job = this.jobs.get(id);
    if (!job) return;
    this.jobs.delete(id);
    clearTimeout(job.timer);
    if (typeof outcome === 'string') job.resolve(outcome);
    else job.reject(outcome);
  }

  private scheduleProbe(gen: number): void {
    if (!this.opts.probeIntervalMs) return;
    this.probeTimer = unrefTimer(() => {
      if (gen !== this.generation) return;
      // The command's own deadline poisons a silent server; a refusal still proves it answers.
      this.api('status').then(
        () => this.scheduleProbe(gen),
        () => gen === this.generation && this.scheduleProbe(gen),
      );
    }, this.opts.probeIntervalMs);
  }

  /** The stream can no longer be trusted: drop it and make a new connection. */
  private poison(reason: string): void {
    if (this.linkState === 'closed') return;
    this.counters.poisoned++;
    this.lost(reason);
  }

  private lost(reason: string): void {
    if (this.linkState === 'closed') return;
    this.counters.lastError = this.counters.lastError?.startsWith('authentication') ? this.counters.lastError : reason;
    this.drop('down', reason);
    this.reconnectTimer = unrefTimer(() => this.connect(), this.backoff.next());
  }

  private drop(next: 'down' | 'closed', reason: string): void {
    this.generation++;
    for (const t of [this.connectTimer, this.probeTimer, this.reconnectTimer]) if (t) clearTimeout(t);
    this.reconnectTimer = null;
    const conn = this.conn;
    this.conn = null;
    conn?.socket?.destroy();
    const err = new SwitchboardError('SWB_ERR_MEDIA_UNAVAILABLE', `FreeSWITCH event socket lost: ${reason}`);
    const pending = [...(this.inFlight ? [this.inFlight] : []), ...this.queue.splice(0)];
    this.inFlight = null;
    for (const cmd of pending) {
      if (cmd.timer) clearTimeout(cmd.timer);
      cmd.reject(reason.startsWith('no reply') ? new SwitchboardError('SWB_ERR_MEDIA_TIMEOUT', reason) : err);
    }
    // Jobs already accepted keep running in FreeSWITCH, but their BACKGROUND_JOB went with the old socket.
    for (const id of [...this.jobs.keys()]) this.settleJob(id, err);
    this.setState(next);
  }

  private setState(s: LinkState): void {
    if (this.linkState === s) return;
    this.linkState = s;
    this.emit('state', s);
  }
}
