import type { Appliance } from '../app.js';
import type { Logger } from '../../common/log.js';
import { isSwitchboardError } from '../../common/errors.js';
import { createNotifier, watchdogFromEnv, type Notifier } from './sd-notify.js';
import { applianceProbe, startHeartbeat, type Heartbeat } from './watchdog.js';

/*
 * What the appliance tells its service manager over its life: READY=1 once the
 * store is open and the listener accepts, a STATUS= line a person can read in
 * `systemctl status`, WATCHDOG=1 while healthy, STOPPING=1 on the way out.
 * Under no service manager (NOTIFY_SOCKET unset) it only logs.
 */

/** Without a watchdog, STATUS= is still refreshed this often (user count, health). */
const STATUS_REFRESH_MS = 30_000;

export interface Service {
  readonly notifier: Notifier;
  ready(app: Appliance, address: string): void;
  stopping(): void;
  /** Startup failed: say so in STATUS= before the process exits. */
  failed(err: unknown): void;
}

export function createService(env: NodeJS.ProcessEnv = process.env, notifier: Notifier = createNotifier(env)): Service {
  let heartbeat: Heartbeat | undefined;
  return {
    notifier,
    ready(app, address) {
      const { logger } = app;
      const describe = (): string => describeRunning(app, address);
      let last = describe();
      notifier.ready(last);

      const watchdog = watchdogFromEnv(env);
      const pinging = 'timeoutMs' in watchdog;
      const intervalMs = pinging ? Math.max(1, Math.floor(watchdog.timeoutMs / 2)) : STATUS_REFRESH_MS;
      if (notifier.enabled) logger.info(pinging ? { watchdogMs: watchdog.timeoutMs, pingEveryMs: intervalMs } : { watchdog: watchdog.disabled }, 'service manager notified: ready');
      let unhealthy: string | null = null;
      const say = (text: string): void => {
        if (text !== last) notifier.status(text);
        last = text;
      };
      heartbeat = startHeartbeat({
        intervalMs,
        probe: applianceProbe(intervalMs, () => app.store.healthy()),
        onHealthy() {
          if (unhealthy !== null) logger.info({ was: unhealthy }, 'healthy again');
          unhealthy = null;
          if (pinging) notifier.watchdog();
          say(describe());
        },
        onUnhealthy(reason) {
          if (reason !== unhealthy) logWithheld(logger, reason, pinging);
          unhealthy = reason;
          say(`unhealthy: ${reason}${pinging ? '; watchdog ping withheld' : ''}`);
        },
      });
    },
    stopping() {
      heartbeat?.stop();
      notifier.stopping('stopping: draining requests, closing the store');
    },
    failed(err) {
      const code = isSwitchboardError(err) ? err.code : ((err as NodeJS.ErrnoException | undefined)?.code ?? 'error');
      notifier.status(`cannot start: ${code}: ${(err as Error | undefined)?.message ?? String(err)}`);
    },
  };
}

function logWithheld(logger: Logger, reason: string, pinging: boolean): void {
  logger.warn({ reason }, pinging ? 'unhealthy: watchdog ping withheld' : 'unhealthy');
}

/** "listening on 127.0.0.1:8080, 3 users": what an admin wants from `systemctl status` at a glance. */
export function describeRunning(app: Appliance, address: string): string {
  const where = address.replace(/^[a-z]+:\/\//, '');
  const users = app.access.users.list().length;
  const admins = app.access.users.countAdmins();
  const noun = users === 1 ? 'user' : 'users';
  return admins > 0 ? `listening on ${where}, ${users} ${noun}` : `listening on ${where}, ${users} ${noun}, no admin yet (switchboard user add NAME --role admin)`;
}
