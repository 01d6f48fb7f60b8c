import type { Store } from '../../domain/store/store.js';

interface Job {
  fn: () => void;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for webhooks arriving together. Each job still runs under the
 * write lock and is acknowledged only once durable, but the jobs queued while
 * the previous commit was flushing share one store write: the queue is taken
 * when LMDB runs the transaction, not when it is requested, so a busy channel
 * coalesces as much as the disk makes it wait and a quiet one waits for nothing.
 *
 * The jobs run side by side in that one transaction, without a nested
 * transaction each (lmdb-js child transactions cost about a fifth of a
 * message's write). When one throws, the whole group is rolled back: that job
 * runs again alone, in a write of its own, and fails (or not) as it would have
 * without the group, while the others go back in the queue. So a bad message
 * fails only its own webhook, and costs the others one more run.
 */
export class CommitGroup {
  private pending: Job[] = [];
  private queued = false;

  constructor(private readonly store: Store) {}

  /** fn runs synchronously inside the write and must leave no state behind if it throws; resolves once its writes are on disk, rejects as store.write would. */
  run(fn: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ fn, resolve, reject });
      if (!this.queued) this.queue();
    });
  }

  private queue(): void {
    this.queued = true;
    let jobs = null as Job[] | null;
    let running = -1;
    this.store
      .write(() => {
        jobs = this.take();
        for (running = 0; running < jobs.length; running++) jobs[running]!.fn();
        running = -1;
      })
      .then(
        () => {
          for (const job of jobs!) job.resolve();
        },
        (err: unknown) => {
          if (jobs === null || running < 0) {
            // The write never ran, or the commit itself failed (disk full, I/O error): nothing of any job is stored.
            for (const job of jobs ?? this.take()) job.reject(err);
            return;
          }
          const [culprit] = jobs.splice(running, 1);
          this.store.write(culprit!.fn).then(culprit!.resolve, culprit!.reject);
          this.pending = jobs.concat(this.pending);
          if (!this.queued && this.pending.length > 0) this.queue();
        },
      );
  }

  private take(): Job[] {
    const jobs = this.pending;
    this.pending = [];
    this.queued = false;
    return jobs;
  }
}
