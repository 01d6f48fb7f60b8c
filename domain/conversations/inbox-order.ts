import { SwitchboardError } from '../../common/errors.js';
import type { Conversation } from './types.js';

/** How a list of conversations is ordered: most recent activity first, or the client waiting longest first. */
export const INBOX_ORDERS = ['activity', 'waiting'] as const;
export type InboxOrder = (typeof INBOX_ORDERS)[number];

/** The latest of the last client message, the last reply and the opening. */
export function activityOf(c: Conversation): string {
  return [c.lastInboundAt, c.lastOutboundAt, c.openedAt].reduce<string>((a, b) => (b && b > a ? b : a), '');
}

/**
 * Since when the client has waited for an answer, from the record alone (no
 * history read, so a whole desk can be ordered by it): the desk's response
 * clock when it runs, else a last client message newer than the last reply.
 * Null for a closed conversation and one that waits for nobody.
 */
export function waitingOf(c: Conversation): string | null {
  if (c.status === 'closed') return null;
  const clock = c.awaitingSince;
  if (clock) return clock;
  if (clock === null) return null;
  return c.lastInboundAt && (!c.lastOutboundAt || c.lastInboundAt > c.lastOutboundAt) ? c.lastInboundAt : null;
}

/** Sorts after every ISO time: conversations nobody waits on come last in the waiting order. */
const NEVER = '\uffff';

interface Position {
  key: string;
  id: string;
}

function positionOf(order: InboxOrder, c: Conversation): Position {
  return { key: order === 'activity' ? activityOf(c) : (waitingOf(c) ?? NEVER), id: c.id };
}

/** Negative when a comes first: activity newest first, waiting oldest first; ties by id so the order is total. */
function compare(order: InboxOrder, a: Position, b: Position): number {
  if (a.key !== b.key) return (a.key < b.key ? -1 : 1) * (order === 'activity' ? -1 : 1);
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function encodeCursor(order: InboxOrder, p: Position): string {
  return Buffer.from(JSON.stringify([order, p.key, p.id])).toString('base64url');
}

function decodeCursor(order: InboxOrder, cursor: string): Position {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 3 && v[0] === order && typeof v[1] === 'string' && typeof v[2] === 'string') return { key: v[1], id: v[2] };
  } catch {
    /* below */
  }
  throw new SwitchboardError('SWB_ERR_VALIDATION', 'cursor is not one this server issued for this order', { field: 'cursor' });
}

export interface OrderedPage {
  items: Conversation[];
  /** How many match in all, across every page. */
  total: number;
  /** The position after the last item; null on the last page. */
  nextCursor: string | null;
}

/**
 * One page of `all` in `order`, after `cursor`. The cursor is a position in
 * the order, not an offset: a conversation that moves up (a new message) while
 * someone pages does not shift the pages after it; it shows on the first page.
 */
export function orderedPage(all: Iterable<Conversation>, order: InboxOrder, cursor: string | null, limit: number): OrderedPage {
  const after = cursor ? decodeCursor(order, cursor) : null;
  const rows = [...all].map((c) => ({ c, p: positionOf(order, c) }));
  rows.sort((a, b) => compare(order, a.p, b.p));
  const start = after ? rows.findIndex((r) => compare(order, r.p, after) > 0) : 0;
  const from = start === -1 ? rows.length : start;
  const slice = rows.slice(from, from + limit);
  const more = from + limit < rows.length;
  return { items: slice.map((r) => r.c), total: rows.length, nextCursor: more && slice.length ? encodeCursor(order, slice[slice.length - 1]!.p) : null };
}
