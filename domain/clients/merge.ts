import type { HistoryService } from '../history/history.js';
import type { ClientCard } from './card.js';
import type { ClientRecords } from './records.js';

/**
 * Anything else keyed by client id (conversations, later calls): a merge must
 * carry it to the survivor and a delete must erase it, in the same transaction.
 */
export interface ClientDependent {
  moveInTxn(fromClientId: string, toClientId: string): unknown;
  deleteInTxn(clientId: string): unknown;
}

/** What merge and delete need from the service; passed in so these steps stay plain functions. */
export interface ClientInternals {
  records: ClientRecords;
  history: HistoryService;
  dependents: readonly ClientDependent[];
}

/**
 * Only inside store.write(), with both cards already checked as live. Everything
 * that named the source now names the target; the source card stays behind as a
 * pointer (name only) so old links and ids in logs still lead somewhere.
 */
export function mergeClientsInTxn(
  deps: ClientInternals,
  target: ClientCard,
  source: ClientCard,
): { card: ClientCard; stats: Record<string, unknown> } {
  const now = new Date().toISOString();
  for (const identity of source.identities) deps.records.reassign(identity, target.id);
  const historyMoved = deps.history.moveInTxn(source.id, target.id);
  for (const d of deps.dependents) d.moveInTxn(source.id, target.id);

  // The survivor's values win where both have a field: it is the card the operator chose to keep.
  const fieldConflicts = Object.keys(source.fields).filter((k) => Object.hasOwn(target.fields, k) && target.fields[k] !== source.fields[k]);
  const absorbed = [source.id, ...(source.mergedFrom ?? [])];
  const card: ClientCard = {
    ...target,
    identities: [...target.identities, ...source.identities],
    tags: [...target.tags, ...source.tags.filter((t) => !target.tags.includes(t))],
    fields: { ...source.fields, ...target.fields },
    mergedFrom: [...(target.mergedFrom ?? []), ...absorbed],
    updatedAt: now,
  };
  deps.records.put(card, target);

  const pointer: ClientCard = {
    id: source.id,
    name: source.name,
    identities: [],
    tags: [],
    fields: {},
    createdAt: source.createdAt,
    updatedAt: now,
    mergedInto: target.id,
  };
  deps.records.put(pointer, source);
  // Cards merged into the source earlier now point straight at the survivor, so lookups stay one hop.
  for (const id of source.mergedFrom ?? []) {
    const old = deps.records.raw(id);
    if (old) deps.records.put({ ...old, mergedInto: target.id, updatedAt: now }, old);
  }
  return { card, stats: { historyMoved, identitiesMoved: source.identities.length, fieldConflicts } };
}

/** Only inside store.write(). Returns counts for the audit record (never the erased values). */
export function deleteClientInTxn(deps: ClientInternals, card: ClientCard): Record<string, unknown> {
  for (const identity of card.identities) deps.records.release(identity, card.id);
  const historyEvents = deps.history.deleteInTxn(card.id);
  for (const d of deps.dependents) d.deleteInTxn(card.id);
  let mergedCards = 0;
  for (const id of card.mergedFrom ?? []) {
    const old = deps.records.raw(id);
    if (old) {
      deps.records.remove(old);
      mergedCards++;
    }
  }
  deps.records.remove(card);
  return { historyEvents, identities: card.identities.length, mergedCards };
}
