import type { Logger } from 'pino';

/**
 * lmdb-js 3.x, when a commit fails (ENOSPC, EIO), rejects every waiting write
 * with "Commit failed" AND leaves one more such rejection on an internal batch
 * promise nobody can await (seen with a full tmpfs: every caller's promise was
 * handled, yet Node reported an unhandled rejection). Node's default would kill
 * the process, turning a full disk into a crash loop. Those rejections carry a
 * `commitError` and were already reported to their callers, so they are logged
 * and dropped; any other unhandled rejection still ends the process.
 */
export function isLmdbCommitFailure(reason: unknown): boolean {
  return typeof reason === 'object' && reason !== null && 'commitError' in reason && /Commit failed/.test(String((reason as { message?: unknown }).message));
}

export function installUnhandledRejectionPolicy(logger: Logger, exit: (code: number) => void = (c) => process.exit(c)): void {
  process.on('unhandledRejection', (reason) => {
    if (isLmdbCommitFailure(reason)) {
      logger.warn('a store commit failed; the waiting requests were answered with an error');
      return;
    }
    logger.fatal({ err: reason }, 'unhandled rejection');
    logger.flush();
    exit(1);
  });
}
