import type { Logger } from 'pino';
import type { Srf, SipResponse } from '../drachtio/srf.js';
import type { TrunkConfig } from '../config.js';
import { resolveSecretValue } from '../../common/config.js';

export type TrunkRegistrationState = 'unregistered' | 'registering' | 'registered' | 'failed';

/**
 * Registers the appliance to each provider that gave it credentials (a trunk
 * with username and password), so the provider knows where to send inbound
 * calls; drachtio-srf answers the provider's digest challenge. Refreshed at
 * 80% of the granted expiry, retried with backoff after a failure, restarted
 * whenever the drachtio connection comes back.
 */
export class TrunkRegistrations {
  private readonly states = new Map<string, TrunkRegistrationState>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly srf: Srf,
    private readonly trunks: TrunkConfig[],
    private readonly logger: Logger,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    for (const t of this.registering()) this.states.set(t.id, 'unregistered');
  }

  state(id: string): TrunkRegistrationState | undefined {
    return this.states.get(id);
  }

  /** Call on every (re)connection to drachtio-server. */
  startAll(): void {
    this.stopped = false;
    for (const t of this.registering()) this.register(t, 0);
  }

  stopAll(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private registering(): TrunkConfig[] {
    return this.trunks.filter((t) => t.username && t.password);
  }

  private register(t: TrunkConfig, failures: number): void {
    if (this.stopped) return;
    this.states.set(t.id, 'registering');
    const aor = `sip:${t.username}@${t.host}`;
    const retry = (): void => {
      this.states.set(t.id, 'failed');
      this.schedule(t, Math.min(300, 15 * 2 ** failures), failures + 1);
    };
    this.srf
      .request(`sip:${t.host}:${t.port}${t.transport === 'tcp' ? ';transport=tcp' : ''}`, {
        method: 'REGISTER',
        headers: { From: `<${aor}>`, To: `<${aor}>`, Contact: `<sip:${t.username}@localhost>`, Expires: String(t.registerExpires) },
        auth: { username: t.username!, password: resolveSecretValue(t.password!, `trunks.${t.id}.password`, this.env) },
      })
      .then((req) => {
        req.on('response', (res: SipResponse) => {
          if (res.status >= 200 && res.status < 300) {
            const granted = parseInt(res.get('Expires') ?? '', 10) || t.registerExpires;
            this.states.set(t.id, 'registered');
            this.logger.info({ trunk: t.id, expires: granted }, 'registered to the trunk');
            this.schedule(t, Math.max(30, Math.floor(granted * 0.8)), 0);
          } else if (res.status >= 300) {
            this.logger.warn({ trunk: t.id, status: res.status }, 'trunk registration refused');
            retry();
          }
        });
      })
      .catch((err: unknown) => {
        this.logger.warn({ trunk: t.id, err: (err as Error)?.message }, 'trunk registration not sent');
        retry();
      });
  }

  private schedule(t: TrunkConfig, seconds: number, failures: number): void {
    const old = this.timers.get(t.id);
    if (old) clearTimeout(old);
    const timer = setTimeout(() => this.register(t, failures), seconds * 1000);
    timer.unref();
    this.timers.set(t.id, timer);
  }
}
