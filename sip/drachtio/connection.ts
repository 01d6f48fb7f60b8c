import { EventEmitter } from 'node:events';
import type { ConnectionOptions } from 'node:tls';
import type { Logger } from 'pino';
import type { Srf } from './srf.js';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'closed';

export interface ConnectionOptionsIn {
  host: string;
  port: number;
  secret: string;
  /** TLS to drachtio-server's admin socket; undefined means plain TCP. */
  tls?: ConnectionOptions;
  backoff: { minMs: number; maxMs: number };
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
 */
export class DrachtioConnection extends EventEmitter<ConnectionEvents> {
  private current: ConnectionState = 'disconnected';
  private timer: NodeJS.Timeout | null = null;
  private delay: number;
  private attempt = 0;
  private attemptSeq = 0;
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
  private onGone(reason: string): void {
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
