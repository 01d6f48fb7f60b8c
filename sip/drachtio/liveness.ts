import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Srf } from './srf.js';

/** The part of drachtio-srf's WireProtocol (lib/wire-protocol.js) the watchdog listens to. */
interface WireLike extends EventEmitter {
  isClient: boolean;
}

/**
 * The wire of the connection attempt srf.connect() just made, or null when
 * drachtio-srf's internals no longer have the shape this was written against
 * (5.0.29: srf._app.client.wp, a new WireProtocol per connect()). There is no
 * public way to it, and we need it for two things the library does not do:
 * it sends pings (enablePing) but never looks at the answers — the agent's
 * pendingPingRequests is fed by an `on('ping')` nobody calls — and it has no
 * timeout on the login. A drachtio-server that is stopped (SIGSTOP, a hung
 * process, a host frozen under load) keeps the kernel answering TCP, so
 * neither keepalive nor a close ever tells us.
 */
export function wireOf(srf: Srf): WireLike | null {
  const wp = (srf as unknown as { _app?: { client?: { wp?: unknown } } })._app?.client?.wp as Partial<WireLike> | undefined;
  if (!wp || typeof wp.on !== 'function' || wp.isClient !== true) return null;
  return wp as WireLike;
}

export interface LivenessOptions {
  /** drachtio-srf's ping interval: a quiet but healthy server still answers one this often. */
  pingMs: number;
  /** Called once when the server has been silent too long; the socket is destroyed just after. */
  onSilent(silentMs: number): void;
  now?: () => number;
}

/**
 * Watches one connection's wire: every message from drachtio-server (a pong,
 * a SIP request, a response) proves it alive. Silent for more than two ping
 * intervals (one ping unanswered for a whole interval, and the next one too)
 * means hung: the socket is destroyed, which drachtio-srf reports as 'close',
 * and the connection's own reconnect takes over.
 */
export class WireLiveness {
  private socket: Socket | null = null;
  private lastHeard: number;
  private readonly timer: NodeJS.Timeout;
  private fired = false;

  constructor(
    wire: WireLike,
    o: LivenessOptions,
  ) {
    const now = o.now ?? Date.now;
    this.lastHeard = now();
    wire.on('connect', (socket: Socket) => {
      this.socket = socket;
      this.lastHeard = now();
    });
    wire.on('msg', () => {
      this.lastHeard = now();
    });
    wire.on('close', () => this.stop());
    this.timer = setInterval(() => {
      const silent = now() - this.lastHeard;
      if (this.fired || !this.socket || silent <= 2 * o.pingMs) return;
      this.fired = true;
      o.onSilent(silent);
      this.socket.destroy();
      this.stop();
    }, Math.max(250, Math.floor(o.pingMs / 2)));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
