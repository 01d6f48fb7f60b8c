/**
 * Unsent replies, per conversation, in sessionStorage: they survive a reload
 * and a return to sign-in in this tab, and go when the tab closes. The session
 * itself is never here (it is an HttpOnly cookie). Each draft carries the
 * Idempotency-Key of its text: a retry of the same text reuses it, so the
 * server can tell a retry from a second message.
 */
export interface Draft {
  text: string;
  /** Set when this text was first sent, kept for its retries; an edit clears it. */
  key: string | null;
}

const PREFIX = 'swb.draft.';

function store(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/** 128 random bits; getRandomValues works on any origin, randomUUID only on secure ones. */
export function newKey(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function loadDraft(conversationId: string): Draft {
  try {
    const v = JSON.parse(store()?.getItem(PREFIX + conversationId) ?? 'null') as Partial<Draft> | null;
    if (v && typeof v.text === 'string') return { text: v.text, key: typeof v.key === 'string' ? v.key : null };
  } catch {
    // A damaged entry is an empty draft.
  }
  return { text: '', key: null };
}

export function saveDraft(conversationId: string, draft: Draft): void {
  if (draft.text === '') store()?.removeItem(PREFIX + conversationId);
  else store()?.setItem(PREFIX + conversationId, JSON.stringify(draft));
}

export function clearDraft(conversationId: string): void {
  store()?.removeItem(PREFIX + conversationId);
}
