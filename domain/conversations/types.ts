export type ConversationStatus = 'open' | 'closed';

export interface Conversation {
  id: string;
  clientId: string;
  /** The configured channel instance, e.g. 'telegram:main'; null for one an operator started by hand. */
  channelId: string | null;
  status: ConversationStatus;
  assignee: string | null;
  department: string | null;
  subject?: string;
  tags: string[];
  openedAt: string;
  closedAt: string | null;
  firstResponseAt: string | null;
  lastInboundAt: string | null;
  lastOutboundAt: string | null;
}

export interface ConversationFilter {
  status?: ConversationStatus;
  assignee?: string;
  department?: string;
  clientId?: string;
  limit: number;
}
