import { EventEmitter } from 'node:events';
import type { HistoryEvent, MessageStatus } from '../../domain/history/events.js';

/** What operators' screens are told, after the change is committed. */
export type LiveEvent =
  | { type: 'message'; conversationId: string; event: HistoryEvent }
  | { type: 'status'; conversationId: string; eventId: string; status: MessageStatus; error?: string }
  | { type: 'conversation'; conversationId: string };

/**
 * In-process fan-out from the gateway to the SSE streams. Only committed facts
 * are published, so a screen never shows a message that a crash can take back.
 */
export class LiveBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per open operator screen: many is normal, not a leak.
    this.emitter.setMaxListeners(0);
  }

  publish(event: LiveEvent): void {
    this.emitter.emit('event', event);
  }

  subscribe(fn: (event: LiveEvent) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }

  get listeners(): number {
    return this.emitter.listenerCount('event');
  }
}
