import type { CallSummary } from '../../domain/events/events.js';
import type { CallRecord } from './call-record.js';

/** The outside party of a call, in E.164: the caller of an inbound call, the callee of an outbound one; none for internal calls. */
export function externalParty(record: CallRecord): string | null {
  const external = record.direction === 'in' ? record.from : record.direction === 'out' ? record.to : null;
  return external && external.startsWith('+') ? external : null;
}

export function summaryOf(record: CallRecord, clientId: string | null): CallSummary {
  return {
    id: record.id,
    state: record.state,
    direction: record.direction,
    from: record.from,
    to: record.to,
    extension: record.extension,
    rung: record.rung ?? [],
    departments: record.departments ?? [],
    clientId,
    start: record.start,
    answer: record.answer,
    end: record.end,
    durationSec: record.durationSec,
    outcome: record.outcome,
  };
}
