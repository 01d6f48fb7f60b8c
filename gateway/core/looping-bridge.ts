/**
 * The background half of a bridge that pulls from its provider (Telegram
 * getUpdates, VK Bots Long Poll): one loop promise, an abort signal that cuts a
 * hanging long-poll request short at stop, and health as the last poll left it.
 */
export abstract class LoopingBridge {
  protected running = false;
  protected healthy = false;
  protected loop: Promise<void> | null = null;
  protected abort = new AbortController();

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop?.catch(() => undefined);
  }

  health(): 'ok' | 'down' {
    return this.healthy ? 'ok' : 'down';
  }
}
