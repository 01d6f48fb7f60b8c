/*
 * The gateway publishes onto the domain's one event feed (domain/events/): these
 * are the names its ingest, outbox, replies and live stream know it by.
 */
export { EventBus as LiveBus } from '../../domain/events/bus.js';
export type { DomainEvent as LiveEvent } from '../../domain/events/events.js';
