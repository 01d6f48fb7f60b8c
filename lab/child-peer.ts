import type { ChildProcess } from 'node:child_process';

/**
 * A peer program the appliance or lab mode runs as a child (drachtio-server,
 * FreeSWITCH, Asterisk): the tail of its output for error messages, whether it
 * still runs, and a stop that also works on a paused (SIGSTOPped) process.
 */
export class ChildPeer {
  readonly output: string[] = [];
  protected readonly exited: Promise<void>;

  protected constructor(
    readonly child: ChildProcess,
    private readonly defaultGraceMs: number,
    keepChunks: number,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const keep = (d: Buffer): void => {
      this.output.push(d.toString());
      if (this.output.length > keepChunks) this.output.splice(0, keepChunks / 2);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  pause(): void {
    this.child.kill('SIGSTOP');
  }

  resume(): void {
    this.child.kill('SIGCONT');
  }

  /** SIGTERM (after a SIGCONT, should it be paused), then SIGKILL after a grace period; resolves once it is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = this.defaultGraceMs): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGCONT');
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
