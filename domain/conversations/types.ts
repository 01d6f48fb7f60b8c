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
  /** The desk's response clock: the oldest client message not yet answered (absent on records older than the desk). */
  awaitingSince?: string | null;
  /** Response times so far, for reporting. */
  responses?: ResponseTotals;
}

export interface ResponseTotals {
  count: number;
  totalSeconds: number;
  maxSeconds: number;
}

/** What updateInTxn may change: the fields that are neither routing nor status (those keep indexes). */
export type ConversationPatch = Partial<Pick<Conversation, 'tags' | 'firstResponseAt' | 'lastInboundAt' | 'lastOutboundAt' | 'awaitingSince' | 'responses'>>;

export interface ConversationFilter {
  status?: ConversationStatus;
  assignee?: string;
  department?: string;
  clientId?: string;
  limit: number;
}
