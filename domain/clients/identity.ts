import { SwitchboardError } from '../../common/errors.js';

/**
 * An identity is how a channel recognises a client: the caller ID on a SIP call,
 * the chat id on a Telegram update. Each is stored in one canonical form so the
 * same person written two ways ("+1 (415) 555-0100", "0014155550100") is one key.
 */
export const IDENTITY_KINDS = ['phone', 'email', 'telegram', 'whatsapp', 'vk', 'webchat'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

export interface Identity {
  kind: IdentityKind;
  value: string;
}

const E164 = /^\+[1-9]\d{6,14}$/;
/** Spaces (including no-break), ASCII and typographic dashes, brackets and dots people type between digits. */
const PHONE_PUNCTUATION = /[\s\-\u2010-\u2015().]/g;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const WA_ID = /^\d{6,20}$/;
const CONTROL = /[\u0000-\u001f\u007f]/;
const MAX_HANDLE = 256;

export function isIdentityKind(kind: unknown): kind is IdentityKind {
  return typeof kind === 'string' && (IDENTITY_KINDS as readonly string[]).includes(kind);
}

export function normalizePhone(raw: string): string {
  let s = raw.trim().replace(PHONE_PUNCTUATION, '');
  if (s.startsWith('00')) s = `+${s.slice(2)}`;
  if (!E164.test(s)) {
    throw new SwitchboardError(
      'SWB_ERR_VALIDATION',
      `phone ${JSON.stringify(raw)} is not an international number: expected "+", a country code and 7 to 15 digits in all, e.g. +14155550100`,
      { field: 'phone' },
    );
  }
  return s;
}

/** Canonical form of one identity; throws SWB_ERR_VALIDATION naming what is wrong. */
export function normalizeIdentity(kind: unknown, value: unknown): Identity {
  if (!isIdentityKind(kind)) {
    throw new SwitchboardError('SWB_ERR_VALIDATION', `identity kind ${JSON.stringify(kind)} is not one of ${IDENTITY_KINDS.join(', ')}`, { field: 'kind' });
  }
  if (typeof value !== 'string') {
    throw new SwitchboardError('SWB_ERR_VALIDATION', `${kind} identity must be a string`, { field: kind });
  }
  switch (kind) {
    case 'phone':
      return { kind, value: normalizePhone(value) };
    case 'email': {
      const v = value.trim().toLowerCase();
      if (!EMAIL.test(v) || v.length > 254) {
        throw new SwitchboardError('SWB_ERR_VALIDATION', `email ${JSON.stringify(value)} is not an address like name@example.com`, { field: 'email' });
      }
      return { kind, value: v };
    }
    case 'whatsapp': {
      // A wa_id is the number's digits without "+"; accept the number written as people write it.
      const v = value.trim().replace(PHONE_PUNCTUATION, '').replace(/^\+|^00/, '');
      if (!WA_ID.test(v)) {
        throw new SwitchboardError('SWB_ERR_VALIDATION', `whatsapp id ${JSON.stringify(value)} must be the number's digits (a wa_id), e.g. 14155550100`, { field: 'whatsapp' });
      }
      return { kind, value: v };
    }
    default: {
      // Telegram chat ids, VK ids and web-chat handles are opaque: compared exactly, only trimmed.
      const v = value.trim();
      if (v.length === 0 || v.length > MAX_HANDLE || CONTROL.test(v)) {
        throw new SwitchboardError('SWB_ERR_VALIDATION', `${kind} handle must be 1 to ${MAX_HANDLE} printable characters`, { field: kind });
      }
      return { kind, value: v };
    }
  }
}

/** The `identities` key: one string per identity, so "is this taken" is a single get. */
export function identityKey(identity: Identity): string {
  return `${identity.kind}:${identity.value}`;
}

/** Every identity a free-text query could exactly be, for search; invalid readings are skipped. */
export function identityReadings(q: string): Identity[] {
  const out: Identity[] = [];
  for (const kind of IDENTITY_KINDS) {
    try {
      out.push(normalizeIdentity(kind, q));
    } catch {
      // Not a valid value of this kind, so it cannot match one.
    }
  }
  return out;
}
