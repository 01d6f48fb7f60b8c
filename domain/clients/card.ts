import { SwitchboardError } from '../../common/errors.js';
import { identityKey, normalizeIdentity, type Identity } from './identity.js';

export interface ClientCard {
  id: string;
  name: string;
  identities: Identity[];
  tags: string[];
  fields: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  /** Set on the card left behind by a merge: the id of the card that absorbed it. */
  mergedInto?: string;
  /**
   * Ids of cards merged into this one. Kept so deleting this client also erases
   * those left-behind cards, which still carry the absorbed client's name.
   */
  mergedFrom?: string[];
}

export interface ClientInput {
  name: string;
  identities?: Array<{ kind: string; value: string }>;
  tags?: string[];
  fields?: Record<string, string>;
}

const MAX_NAME = 200;
const MAX_TAG = 64;
const MAX_TAGS = 50;
const MAX_FIELD_NAME = 64;
const MAX_FIELD_VALUE = 4000;
const MAX_FIELDS = 100;
const MAX_IDENTITIES = 50;
const CONTROL = /[\u0000-\u001f\u007f]/;
const CONTROL_ALL = /[\u0000-\u001f\u007f]/g;
/** A name is indexed by its words; punctuation and symbols separate them. */
const TOKEN = /[\p{L}\p{N}]+/gu;
const MAX_TOKEN = 64;

function invalid(detail: string, field: string): SwitchboardError {
  return new SwitchboardError('SWB_ERR_VALIDATION', detail, { field });
}

/**
 * Text is kept verbatim apart from trimming: the store never interprets it, so
 * there is nothing to escape here, and escaping is the renderer's job.
 */
export function checkName(name: unknown): string {
  if (typeof name !== 'string') throw invalid('name must be a string', 'name');
  const v = name.trim();
  if (v.length === 0 || v.length > MAX_NAME) throw invalid(`name must be 1 to ${MAX_NAME} characters`, 'name');
  if (CONTROL.test(v)) throw invalid('name must not contain control characters', 'name');
  return v;
}

/** A display name from a messenger is a hint, not input to reject: clean it up, or fall back. */
export function nameFromHint(hint: string | null | undefined, fallback: string): string {
  const v = (hint ?? '').replace(CONTROL_ALL, ' ').trim().slice(0, MAX_NAME).trim();
  return v.length > 0 ? v : fallback;
}

export function checkTags(tags: unknown): string[] {
  if (!Array.isArray(tags)) throw invalid('tags must be an array of strings', 'tags');
  const out: string[] = [];
  for (const t of tags) {
    if (typeof t !== 'string') throw invalid('tags must be an array of strings', 'tags');
    const v = t.trim();
    if (v.length === 0 || v.length > MAX_TAG || CONTROL.test(v)) throw invalid(`each tag must be 1 to ${MAX_TAG} printable characters`, 'tags');
    if (!out.includes(v)) out.push(v);
  }
  if (out.length > MAX_TAGS) throw invalid(`at most ${MAX_TAGS} tags`, 'tags');
  return out;
}

export function checkFields(fields: unknown): Record<string, string> {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw invalid('fields must be an object of strings', 'fields');
  const entries = Object.entries(fields);
  if (entries.length > MAX_FIELDS) throw invalid(`at most ${MAX_FIELDS} fields`, 'fields');
  for (const [k, v] of entries) {
    if (k.length === 0 || k.length > MAX_FIELD_NAME || CONTROL.test(k)) throw invalid(`field names must be 1 to ${MAX_FIELD_NAME} printable characters`, 'fields');
    // The value encoder renames this key on the way in, so it could never be read back as written.
    if (k === '__proto__') throw invalid('"__proto__" is not allowed as a field name', 'fields');
    if (typeof v !== 'string' || v.length > MAX_FIELD_VALUE) throw invalid(`field ${JSON.stringify(k)} must be a string of at most ${MAX_FIELD_VALUE} characters`, 'fields');
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

export function checkIdentities(list: unknown): Identity[] {
  if (!Array.isArray(list)) throw invalid('identities must be an array of {kind, value}', 'identities');
  if (list.length > MAX_IDENTITIES) throw invalid(`at most ${MAX_IDENTITIES} identities`, 'identities');
  const out = new Map<string, Identity>();
  for (const item of list) {
    const { kind, value } = (item ?? {}) as { kind?: unknown; value?: unknown };
    const identity = normalizeIdentity(kind, value);
    out.set(identityKey(identity), identity);
  }
  return [...out.values()];
}

/** Lower-cased words of a name, for the prefix index; "Anna-Maria O'Neil" -> anna, maria, o, neil. */
export function nameTokens(name: string): string[] {
  const words = name.normalize('NFKC').toLowerCase().match(TOKEN) ?? [];
  return [...new Set(words.map((w) => w.slice(0, MAX_TOKEN)))];
}

export function sameIdentity(a: Identity, b: Identity): boolean {
  return a.kind === b.kind && a.value === b.value;
}
