import { mkdirSync, readFileSync } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { IntegrityKey } from './integrity-key.js';

/** The audit chain's head as last seen committed: the record's sequence number and hash. */
export interface Head {
  seq: number;
  hash: string;
}

export interface Checkpoint extends Head {
  /** Which key signed it (public). */
  keyId: string;
  at: string;
}

export type CheckpointRead = { state: 'none' } | { state: 'pending' } | { state: 'ok'; checkpoint: Checkpoint } | { state: 'invalid'; reason: string };

const FORMAT = 'switchboard-audit-checkpoint/1';

function canonical(c: Checkpoint): string {
  return JSON.stringify([FORMAT, c.seq, c.hash, c.keyId, c.at]);
}

function parse(text: string, key: IntegrityKey | null, file: string): CheckpointRead {
  let doc: Partial<Checkpoint> & { format?: unknown; mac?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    return { state: 'invalid', reason: `the checkpoint ${file} is not JSON` };
  }
  if (doc.format !== FORMAT || !Number.isInteger(doc.seq) || typeof doc.hash !== 'string' || typeof doc.keyId !== 'string' || typeof doc.at !== 'string') {
    return { state: 'invalid', reason: `the checkpoint ${file} is not a ${FORMAT} document` };
  }
  const checkpoint: Checkpoint = { seq: doc.seq!, hash: doc.hash, keyId: doc.keyId, at: doc.at };
  if (!key) return { state: 'invalid', reason: `the checkpoint ${file} cannot be checked: no integrity key` };
  if (doc.keyId !== key.id) return { state: 'invalid', reason: `the checkpoint ${file} was signed by key ${doc.keyId}, this box holds key ${key.id}` };
  if (doc.mac !== key.mac('checkpoint', canonical(checkpoint))) return { state: 'invalid', reason: `the checkpoint ${file} does not verify with the integrity key (forged or edited)` };
  return { state: 'ok', checkpoint };
}

/** The head checkpoint file: small JSON, MAC'd with the integrity key, replaced atomically. */
export class CheckpointFile {
  constructor(
    readonly file: string,
    private readonly key: IntegrityKey | null,
  ) {}

  /** Made once by a process that writes checkpoints, never by each write (which would recreate a removed data directory). */
  ensureDirectory(): void {
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
  }

  /** Synchronous: it is read inside a write transaction, before the first append. */
  read(): CheckpointRead {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'none' };
      return { state: 'invalid', reason: `the checkpoint ${this.file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
    }
    return parse(text, this.key, this.file);
  }

  /**
   * Write tmp, fdatasync, rename: a power cut leaves the old checkpoint or the new
   * one, never an empty file that would read as tampering. The directory is not
   * synced: losing the rename leaves the older checkpoint, which is only weaker.
   */
  async write(head: Head, key: IntegrityKey): Promise<Checkpoint> {
    const checkpoint: Checkpoint = { seq: head.seq, hash: head.hash, keyId: key.id, at: new Date().toISOString() };
    const doc = { format: FORMAT, ...checkpoint, mac: key.mac('checkpoint', canonical(checkpoint)) };
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(`${JSON.stringify(doc)}\n`);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.file);
    return checkpoint;
  }

  /** The sequence number in the file now, whether or not it verifies (for the writer's monotonic check). */
  async currentSeq(): Promise<number> {
    const text = await readFile(this.file, 'utf8').catch(() => '');
    try {
      const seq = (JSON.parse(text) as { seq?: unknown }).seq;
      return Number.isInteger(seq) ? (seq as number) : 0;
    } catch {
      return 0;
    }
  }
}

/**
 * Moves the checkpoint after commits, off the request path: at most one write in
 * flight, and the commits that land meanwhile are folded into the next one, so a
 * burst of audited actions costs a few checkpoint writes, not one fsync each.
 */
export class CheckpointWriter {
  private pending: (Head & { force: boolean }) | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly file: CheckpointFile,
    private readonly key: IntegrityKey,
    private readonly onWritten: (c: Checkpoint) => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  /**
   * Called after a commit with the head it made durable. `force` replaces a
   * checkpoint that is ahead of the store (after a restore, or once a mismatch is
   * recorded in the chain); otherwise the checkpoint only moves forward.
   */
  advance(head: Head, force = false): void {
    if (!this.pending || head.seq > this.pending.seq || force) this.pending = { ...head, force: force || (this.pending?.force ?? false) };
    this.running ??= this.drain().finally(() => (this.running = null));
  }

  private async drain(): Promise<void> {
    while (this.pending) {
      const head = this.pending;
      this.pending = null;
      try {
        // Another process (the CLI beside the appliance) may have written a later head.
        if (!head.force && (await this.file.currentSeq()) >= head.seq) continue;
        this.onWritten(await this.file.write(head, this.key));
      } catch (err) {
        this.onError(err);
      }
    }
  }

  /** A write is pending or in flight: the file may not exist yet. */
  busy(): boolean {
    return this.running !== null;
  }

  /** Wait for the checkpoint to catch up with every commit seen so far. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }
}
