/**
 * Contact header values (RFC 3261 §20.10, §25.1). drachtio-srf's parser joins
 * "sip:a@h, <sip:b@h>" into one URI, so the registrar parses contacts itself:
 * split on commas outside quotes and angle brackets; in a bare addr-spec every
 * ";param" belongs to the header, not the URI.
 */
export interface ContactValue {
  uri: string;
  params: Record<string, string | null>;
}

export type ParsedContacts = { kind: 'star' } | { kind: 'list'; contacts: ContactValue[] } | { kind: 'invalid' };

export function splitHeaderList(value: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (quoted) {
      cur += ch;
      if (ch === '\\' && i + 1 < value.length) cur += value[++i];
      else if (ch === '"') quoted = false;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === '<') angle = true;
    else if (ch === '>') angle = false;
    else if (ch === ',' && !angle) {
      parts.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur.trim()) parts.push(cur.trim());
  return parts;
}

function parseParams(s: string): Record<string, string | null> | null {
  const params: Record<string, string | null> = {};
  for (const p of s.split(';').map((x) => x.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9\-.!%*_+`'~]+)(?:\s*=\s*("(?:[^"\\]|\\.)*"|[^\s;]+))?$/.exec(p);
    if (!m) return null;
    params[m[1]!.toLowerCase()] = m[2] === undefined ? null : m[2].replace(/^"(.*)"$/, '$1');
  }
  return params;
}

export function parseContactValue(raw: string): ContactValue | null {
  const s = raw.trim();
  const lt = s.indexOf('<');
  if (lt >= 0) {
    const gt = s.indexOf('>', lt);
    if (gt < 0) return null;
    const uri = s.slice(lt + 1, gt).trim();
    const params = parseParams(s.slice(gt + 1).replace(/^\s*;/, ''));
    if (!params || !/^sips?:/i.test(uri)) return null;
    return { uri, params };
  }
  const semi = s.indexOf(';');
  const uri = (semi < 0 ? s : s.slice(0, semi)).trim();
  const params = semi < 0 ? {} : parseParams(s.slice(semi + 1));
  if (!params || !/^sips?:\S+$/i.test(uri)) return null;
  return { uri, params };
}

/** All Contact values of a request (drachtio joins repeated headers with commas). */
export function parseContacts(header: string | undefined): ParsedContacts {
  if (header === undefined || header.trim() === '') return { kind: 'list', contacts: [] };
  const parts = splitHeaderList(header);
  if (parts.length === 1 && parts[0] === '*') return { kind: 'star' };
  const contacts: ContactValue[] = [];
  for (const p of parts) {
    const c = parseContactValue(p);
    if (!c) return { kind: 'invalid' };
    contacts.push(c);
  }
  return { kind: 'list', contacts };
}

/** The user part of a SIP URI in a From/To header value, e.g. `"A" <sip:101@host>;tag=x` -> 101. */
export function userOf(headerValue: string | undefined): string | null {
  if (!headerValue) return null;
  const m = /<?\s*sips?:([^@;>\s]+)@/i.exec(headerValue);
  return m ? decodeURIComponent(m[1]!) : null;
}

/** The display name of a From header, unquoted; null when there is none. */
export function displayNameOf(headerValue: string | undefined): string | null {
  if (!headerValue) return null;
  const m = /^\s*(?:"((?:[^"\\]|\\.)*)"|([^<"]*?))\s*</.exec(headerValue);
  const name = (m?.[1] ?? m?.[2] ?? '').replace(/\\(.)/g, '$1').trim();
  return name || null;
}
