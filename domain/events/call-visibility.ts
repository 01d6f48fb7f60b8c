import { seesWholeDesk, type Principal } from '../access/roles.js';
import type { CallSummary } from './events.js';

type CallParties = Pick<CallSummary, 'direction' | 'from' | 'to' | 'extension' | 'rung' | 'departments'>;

/**
 * Who hears of a call and may look at its caller. Supervisors and admins run
 * the whole desk, and an integration token syncs everything; an operator hears
 * of the calls that are theirs: ringing or answered at their own extension,
 * placed from it, either end of an internal call, or addressed to their
 * department's ring group. Everyone else hears of none.
 */
export function canSeeCall(principal: Principal, call: CallParties, extension: string | null): boolean {
  if (seesWholeDesk(principal)) return true;
  if (principal.role !== 'operator') return false;
  if (principal.department !== null && call.departments.includes(principal.department)) return true;
  if (!extension) return false;
  return call.extension === extension || call.rung.includes(extension) || (call.direction === 'internal' && (call.from === extension || call.to === extension));
}
