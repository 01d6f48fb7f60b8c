import { loadConfigSource } from './config/load.js';
import { describeExposure, findExposures, resolveSecrets } from './config/exposure.js';
import { createLogger } from '../common/log.js';
import { build, type Appliance } from './app.js';
import { installUnhandledRejectionPolicy } from '../domain/store/unhandled.js';
import { SwitchboardError, isSwitchboardError } from '../common/errors.js';
import { createService, type Service } from './lifecycle/service.js';
import { reloadSipTls } from './sip-tls.js';
import { reloadTls } from './http/tls-reload.js';

/** sysexits.h codes, so systemd (RestartPreventExitStatus) can tell "fix the config" from "crashed". */
export const EXIT = { OK: 0, FAILURE: 1, CONFIG: 78, IO: 74 } as const;

const STOP_DEADLINE_MS = 10_000;

/** Start the appliance in this process; resolves once it listens, and exits the process on SIGTERM/SIGINT. */
export async function start(): Promise<Appliance> {
  let service: Service;
  try {
    service = createService();
  } catch (err) {
    fatal(err, EXIT.FAILURE);
  }
  let source;
  try {
    source = loadConfigSource();
    resolveSecrets(source.config);
  } catch (err) {
    service.failed(err);
    fatal(err, EXIT.CONFIG);
  }
  const { config } = source;
  const logger = createLogger({ level: config.log.level });
  installUnhandledRejectionPolicy(logger);
  // A warning, not a refusal: `switchboard config check --strict` is where an admin makes it one.
  for (const e of findExposures(source.file, source.raw, config)) logger.warn({ file: e.file, mode: e.mode, keys: e.keys }, describeExposure(e));
  let app: Appliance;
  try {
    app = await build({ config, logger });
    const address = await app.listen();
    logger.info({ address, dataDir: config.dataDir }, 'switchboard listening');
    service.ready(app, address);
  } catch (err) {
    service.failed(err);
    const io = isSwitchboardError(err) && (err.code === 'SWB_ERR_STORE_UNAVAILABLE' || err.code === 'SWB_ERR_STORE_FULL');
    // Found only once files are read (listen.tls's pair, a media secret): still the admin's to fix, not a restart's.
    const configuration = isSwitchboardError(err) && err.code === 'SWB_ERR_CONFIG_INVALID';
    logger.fatal({ code: isSwitchboardError(err) ? err.code : (err as NodeJS.ErrnoException).code, reason: (err as Error).message }, 'switchboard cannot start');
    logger.flush();
    process.exit(io ? EXIT.IO : configuration ? EXIT.CONFIG : EXIT.FAILURE);
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'switchboard stopping');
    service.stopping();
    const deadline = setTimeout(() => {
      logger.error('stop deadline passed; exiting with requests still open');
      process.exit(EXIT.FAILURE);
    }, STOP_DEADLINE_MS);
    deadline.unref();
    app.close().then(
      () => {
        logger.info('switchboard stopped');
        process.exit(EXIT.OK);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(EXIT.FAILURE);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Without a handler SIGHUP would end the process; here it reloads listen.tls's pair (systemctl reload)
  // and checks sip.tls's against what drachtio-server serves.
  process.on('SIGHUP', () => {
    void reloadTls({ ...app, server: app.http.server });
    if (app.config.sip.enabled) void reloadSipTls(app);
  });
  return app;
}

/** One readable line on stderr, then exit: a bad config must not turn into a restart storm of stack traces. */
function fatal(err: unknown, code: number): never {
  const swb = isSwitchboardError(err) ? err : new SwitchboardError('SWB_ERR_INTERNAL', String(err));
  process.stderr.write(`switchboard: ${swb.code}: ${swb.message}\n`);
  process.exit(code);
}
