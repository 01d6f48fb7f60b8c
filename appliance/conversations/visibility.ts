import type { Principal } from '../access/roles.js';
import type { Conversation } from './conversations.js';

/**
 * Who may see a conversation. Operators work a queue: theirs and their
 * department's, so one operator cannot read another team's clients. Supervisors
 * and admins dispatch and review, so they see everything; an integration token
 * syncs everything to a CRM. Auditors and metrics have no business with content.
 */
export function canSee(principal: Principal, conversation: Conversation): boolean {
  switch (principal.role) {
    case 'admin':
    case 'supervisor':
    case 'integration':
      return true;
    case 'operator':
      return (
        (principal.kind === 'user' && conversation.assignee !== null && conversation.assignee === principal.id.toLowerCase()) ||
        (principal.department !== null && conversation.department === principal.department)
      );
    default:
      return false;
  }
}
