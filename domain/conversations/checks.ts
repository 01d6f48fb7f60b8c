import { SwitchboardError } from '../../common/errors.js';

/** Input checks for conversations; every refusal is a validation error naming the field. */
/** The same rule access/users.ts applies, so an assignee can only be something a user could be called. */
const USERNAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;
const LABEL = /^[^\u0000-\u001f\u007f]{1,64}$/;

export function checkChannel(channelId: string | null): string | null {
  return channelId === null ? null : checkLabel(channelId, 'channelId');
}

export function checkLabel(v: string | null, field: string): string | null {
  if (v === null) return null;
  if (typeof v !== 'string' || !LABEL.test(v)) throw new SwitchboardError('SWB_ERR_VALIDATION', `${field} must be 1 to 64 printable characters`, { field });
  return v;
}

export function checkSubject(v: unknown): string {
  if (typeof v !== 'string' || v.length > 200 || /[\u0000-\u0008\u000b-\u001f\u007f]/.test(v)) {
    throw new SwitchboardError('SWB_ERR_VALIDATION', 'subject must be text of at most 200 characters', { field: 'subject' });
  }
  return v;
}

export function checkAssignee(v: string | null): string | null {
  if (v === null) return null;
  const u = typeof v === 'string' ? v.toLowerCase() : '';
  if (!USERNAME.test(u)) throw new SwitchboardError('SWB_ERR_VALIDATION', `assignee ${JSON.stringify(v)} is not a username`, { field: 'assignee' });
  return u;
}

export function checkTime(at: string): string {
  const ms = Date.parse(at);
  if (!Number.isFinite(ms)) throw new SwitchboardError('SWB_ERR_VALIDATION', `time ${JSON.stringify(at)} is not an ISO date`);
  return new Date(ms).toISOString();
}

/** Both are toISOString() output, which compares as text in time order. */
export function later(a: string | null, b: string): string {
  return a !== null && a > b ? a : b;
}
