import type { Logger } from '../../common/log.js';
import type { Store } from '../store/store.js';
import { SwitchboardError } from '../../common/errors.js';
import { auditFiles, loadIntegrityKey, refuseNewKey, type AuditFiles, type AuditFilesConfig, type IntegrityKey } from './integrity-key.js';
import { CheckpointFile, CheckpointWriter, type CheckpointRead, type Head } from './checkpoint.js';
import type { ChainProblem } from './chain.js';

/**
 * What one process knows outside the store: the integrity key, the head
 * checkpoint, and which stores it has already compared with that checkpoint.
 * Every AuditLog of the process on the same data directory shares one.
 */
export class AuditIntegrity {
  readonly checkpoint: CheckpointFile;
  private readonly writer: CheckpointWriter | null;
  private readonly checked = new WeakSet<Store>();

  private constructor(
    readonly key: IntegrityKey | null,
    readonly files: AuditFiles,
    private readonly logger: Logger | null,
  ) {
    this.checkpoint = new CheckpointFile(files.checkpointFile, key);
    if (key) this.checkpoint.ensureDirectory();
    this.writer = key
      ? new CheckpointWriter(
          this.checkpoint,
          key,
          // The journal's copy of the head: kept by journald, beyond the reach of whoever can only write DATADIR.
          (c) => logger?.info({ seq: c.seq, hash: c.hash }, 'audit checkpoint'),
          (err) => logger?.warn({ err, file: files.checkpointFile }, 'audit checkpoint not written; it will be at the next commit'),
        )
      : null;
  }

  /**
   * `create`: a process that writes audit records makes the default key at its first
   * start. Readers (verify, restore's authenticity check) never make one: a fresh key
   * could only disown the records already written.
   */
  static open(config: AuditFilesConfig, opts: { create: boolean; logger?: Logger; env?: NodeJS.ProcessEnv }): AuditIntegrity {
    const files = auditFiles(config, opts.env);
    return new AuditIntegrity(loadIntegrityKey(files, { create: opts.create }), files, opts.logger ?? null);
  }

  requireKey(): IntegrityKey {
    if (!this.key) throw refuseNewKey(this.files) ?? new SwitchboardError('SWB_ERR_AUDIT_BROKEN', `no integrity key at ${this.files.keyFile}: audit records cannot be written`);
    return this.key;
  }

  /**
   * The checkpoint as it stands. Missing while this process is writing the first
   * one (a verify right after the first commit) is not a deletion.
   */
  readCheckpoint(): CheckpointRead {
    const read = this.checkpoint.read();
    return read.state === 'none' && this.writer?.busy() ? { state: 'pending' } : read;
  }

  isChecked(store: Store): boolean {
    return this.checked.has(store);
  }

  markChecked(store: Store): void {
    this.checked.add(store);
  }

  /** A commit made `head` durable; `force` lets the checkpoint move back (restore, a recorded mismatch). */
  committed(head: Head, force = false): void {
    this.writer?.advance(head, force);
  }

  incident(problem: ChainProblem, found: Head | null): void {
    this.logger?.error({ audit: { kind: problem.kind, firstBad: problem.firstBad, head: found } }, `audit store does not match its checkpoint: ${problem.reason}`);
  }

  logHead(head: Head | null): void {
    this.logger?.info({ seq: head?.seq ?? 0, hash: head?.hash ?? null, keyId: this.key?.id ?? null }, 'audit head at start');
  }

  async flush(): Promise<void> {
    await this.writer?.flush();
  }
}
