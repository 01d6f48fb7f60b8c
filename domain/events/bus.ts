import { EventEmitter } from 'node:events';
import type { DomainEvent } from './events.js';

/**
 * The appliance's one in-process event feed. Publishers (the gateway's ingest,
 * outbox and replies; telephony's call log) call publish() only after their
 * write committed, so no reader ever sees a fact that a crash can take back.
 */
export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per open operator screen: many is normal, not a leak.
    this.emitter.setMaxListeners(0);
  }

  publish(event: DomainEvent): void {
    this.emitter.emit('event', event);
  }

  subscribe(fn: (event: DomainEvent) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }

  get listeners(): number {
    return this.emitter.listenerCount('event');
  }
}
