import { EventEmitter } from 'node:events';
import type { ConnectionOptions } from 'node:tls';
import type { Logger } from 'pino';
import type { Srf } from './srf.js';
import { WireLiveness, wireOf } from './liveness.js';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'closed';

export interface ConnectionOptionsIn {
  host: string;
  port: number;
  secret: string;
  /** TLS to drachtio-server's admin socket; undefined means plain TCP. */
  tls?: ConnectionOptions;
  backoff: { minMs: number; maxMs: number };
  /** Ping interval (drachtio-srf allows 5 s to 300 s); silence for two of them drops the connection. */
  pingMs: number;
}

export interface ConnectionEvents {
  up: [hostports: string];
  down: [reason: string];
  state: [state: ConnectionState];
}

/**
 * Owns the one connection to drachtio-server, and its reconnection.
 *
 * drachtio-srf (5.0.29, lib/wire-protocol.js `_onConnectionGone`) reconnects
 * with `net.connect` even when the first connection was made with
 * `tls.connect`: after the first drop, a TLS-configured appliance would either
 * never get back in (a TLS-only admin port) or send its secret in the clear.
 * So the library's own retry is switched off (`maxAttempts: 1` makes it stop
 * after the first drop) and every attempt, first or later, goes through
 * `srf.connect()` here with the same transport options. That also gives one
 * place for backoff with jitter and for the state /readyz and metrics report.
 *
 * A drachtio-server that hangs without closing the socket is caught by
 * watching the wire for silence (liveness.ts): pings every pingMs, and a
 * server silent for two intervals, logged in or still logging in, is dropped
 * and reconnected like any other loss.
 */
export class DrachtioConnection extends EventEmitter<ConnectionEvents> {
  private current: ConnectionState = 'disconnected';
  private timer: NodeJS.Timeout | null = null;
  private delay: number;
  private attempt = 0;
  private attemptSeq = 0;
  private liveness: WireLiveness | null = null;
  private warnedNoWire = false;
  /** Why we dropped the connection ourselves; the 'close' that follows reports it instead of blaming the server. */
  private dropReason: string | null = null;
  /** Transports of every attempt made, oldest first (bounded): the TLS guard's test reads it. */
  readonly transports: Array<'tls' | 'tcp'> = [];

  constructor(
    private readonly srf: Srf,
    private readonly opts: ConnectionOptionsIn,
    private readonly logger: Logger,
  ) {
    super();
    this.delay = opts.backoff.minMs;
    // One listener for the life of the Srf: srf.connect() re-emits its agent's events here.
    srf.on('connect', (err: unknown, hostports: string) => this.onConnect(err, hostports));
    srf.on('error', (err: unknown) => this.onGone(`error: ${(err as Error)?.message ?? String(err)}`));
    srf.on('close', () => this.onGone('closed by drachtio-server'));
  }

  get state(): ConnectionState {
    return this.current;
  }

  get connected(): boolean {
    return this.current === 'connected';
  }

  start(): void {
    if (this.current === 'closed') return;
    this.attemptNow();
  }

  /** Stops for good: no reconnects; a connection that is open is ended. */
  close(): void {
    this.clearTimer();
    this.liveness?.stop();
    const wasConnected = this.current === 'connected';
    this.setState('closed');
    if (wasConnected) {
      try {
        this.srf.disconnect();
      } catch (err) {
        this.logger.debug({ err }, 'drachtio disconnect');
      }
    }
  }

  private attemptNow(): void {
    this.clearTimer();
    this.attempt += 1;
    this.attemptSeq += 1;
    this.setState('connecting');
    const transport = this.opts.tls ? 'tls' : 'tcp';
    this.transports.push(transport);
    if (this.transports.length > 50) this.transports.shift();
    this.logger.debug({ host: this.opts.host, port: this.opts.port, transport, attempt: this.attempt }, 'connecting to drachtio-server');
    this.srf.connect({
      host: this.opts.host,
      port: this.opts.port,
      secret: this.opts.secret,
      ...(this.opts.tls ? { tls: this.opts.tls } : {}),
      // Off: see the class comment. The library stops after the first drop and we reconnect.
      reconnect: { maxAttempts: 1 },
      enablePing: true,
      pingInterval: this.opts.pingMs,
    });
    this.watch();
  }

  /** A hung drachtio-server never closes the TCP connection: watch the wire for silence (liveness.ts). */
  private watch(): void {
    this.liveness?.stop();
    this.liveness = null;
    const wire = wireOf(this.srf);
    if (!wire) {
      if (!this.warnedNoWire) this.logger.warn('drachtio-srf internals changed: a hung drachtio-server will not be detected');
      this.warnedNoWire = true;
      return;
    }
    this.liveness = new WireLiveness(wire, {
      pingMs: this.opts.pingMs,
      onSilent: (silentMs) => {
        this.dropReason = `no answer for ${silentMs} ms`;
        this.logger.error({ silentMs, host: this.opts.host, port: this.opts.port }, 'drachtio-server stopped answering; dropping the connection');
      },
    });
  }

  private onConnect(err: unknown, hostports: string): void {
    if (this.current === 'closed') {
      // An attempt made before close() completed after it: end it.
      try {
        this.srf.disconnect();
      } catch {
        /* already gone */
      }
      return;
    }
    if (err) {
      // A wrong secret: drachtio keeps the socket open but will not route to us.
      this.logger.error({ reason: (err as Error).message }, 'drachtio-server refused the appliance (check sip.drachtio.secret)');
      this.onGone('authentication refused');
      return;
    }
    this.attempt = 0;
    this.delay = this.opts.backoff.minMs;
    this.setState('connected');
    this.logger.info({ hostports, transport: this.opts.tls ? 'tls' : 'tcp' }, 'connected to drachtio-server');
    this.emit('up', hostports);
  }

  /** 'error' and 'close' both arrive for one drop: the first schedules the retry, the second finds it scheduled. */
  private onGone(closedBy: string): void {
    const reason = this.dropReason ?? closedBy;
    this.dropReason = null;
    if (this.current === 'closed' || this.timer) return;
    const wasConnected = this.current === 'connected';
    this.setState('disconnected');
    if (wasConnected) {
      this.logger.warn({ reason }, 'lost the connection to drachtio-server; reconnecting');
      this.emit('down', reason);
    } else if (this.attempt <= 1 || this.attempt % 10 === 0) {
      this.logger.warn({ reason, attempt: this.attempt, retryMs: this.delay }, 'cannot reach drachtio-server; retrying');
    }
    // Full jitter around the current delay, so a fleet restarted together does not reconnect in step.
    const wait = Math.round(this.delay / 2 + Math.random() * (this.delay / 2));
    this.delay = Math.min(this.opts.backoff.maxMs, this.delay * 2);
    const seq = this.attemptSeq;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.current !== 'closed' && seq === this.attemptSeq) this.attemptNow();
    }, wait);
    this.timer.unref();
  }

  private setState(state: ConnectionState): void {
    if (state === this.current) return;
    this.current = state;
    this.emit('state', state);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
