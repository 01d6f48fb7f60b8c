import type { BrowserSession } from '../../../http/api/sessions.js';

/** The console's addresses. The server answers each with the same page; the API decides what it shows. */
export type Page =
  | { kind: 'inbox' }
  | { kind: 'conversation'; id: string }
  | { kind: 'client'; id: string }
  | { kind: 'call'; id: string }
  | { kind: 'supervisor' }
  | { kind: 'admin' }
  | { kind: 'audit' }
  | { kind: 'unknown' };

type Role = BrowserSession['role'];

export function pageOf(pathname: string): Page {
  const m = /^\/(c|clients|call)\/([^/]+)$/.exec(pathname);
  if (m) return { kind: m[1] === 'c' ? 'conversation' : m[1] === 'call' ? 'call' : 'client', id: decodeURIComponent(m[2]!) };
  switch (pathname) {
    case '/':
      return { kind: 'inbox' };
    case '/supervisor':
    case '/admin':
    case '/audit':
      return { kind: pathname.slice(1) as 'supervisor' | 'admin' | 'audit' };
    default:
      return { kind: 'unknown' };
  }
}

/** Who each page is for: the API's own roles for what the page reads (it refuses the rest anyway). */
const ROLES: Record<Exclude<Page['kind'], 'unknown'>, readonly Role[]> = {
  inbox: ['admin', 'supervisor', 'operator'],
  conversation: ['admin', 'supervisor', 'operator'],
  client: ['admin', 'supervisor', 'operator'],
  call: ['admin', 'supervisor', 'operator'],
  supervisor: ['admin', 'supervisor'],
  admin: ['admin'],
  audit: ['auditor', 'admin'],
};

export function mayOpen(role: Role, page: Page): boolean {
  return page.kind !== 'unknown' && ROLES[page.kind].includes(role);
}

/** Where someone lands: the inbox, or the audit log for an auditor, who has no inbox. */
export function homeOf(role: Role): string {
  return role === 'auditor' ? '/audit' : '/';
}

/** The links of the top bar a role sees, in order. */
export function navOf(role: Role): Array<{ href: string; kind: 'inbox' | 'supervisor' | 'admin' | 'audit' }> {
  return (['inbox', 'supervisor', 'admin', 'audit'] as const).filter((k) => ROLES[k].includes(role)).map((k) => ({ href: k === 'inbox' ? '/' : `/${k}`, kind: k }));
}
