/*
 * What the admin and audit pages read. Plain types (these routes validate with
 * their own schemas); api/contract.ts checks each against the domain's type, so
 * a changed record breaks the console's build.
 */

type Role = 'admin' | 'supervisor' | 'operator' | 'auditor';
type ServiceRole = 'metrics' | 'integration';

/** GET /api/v1/users: a user without the password hash, the TOTP secret or the failure count. */
export interface PublicUser {
  username: string;
  role: Role;
  department: string | null;
  extension: string | null;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
  totp: 'none' | 'pending' | 'confirmed';
  locked: boolean;
}

/** POST /api/v1/users. */
export interface NewUserBody {
  username: string;
  password: string;
  role: Role;
  department?: string | null;
  extension?: string | null;
}

/** GET /api/v1/tokens: never the secret. */
export interface ServiceToken {
  id: string;
  role: ServiceRole;
  name: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
}
/** POST /api/v1/tokens: the secret, this once. */
export type CreatedToken = ServiceToken & { token: string };

/** GET /api/v1/sessions. */
export interface SessionView {
  id: string;
  username: string;
  source: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

/** GET /api/v1/audit items. */
export interface AuditRecord {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  source: string;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}
export interface AuditPage {
  items: AuditRecord[];
  next: number | null;
}
export interface AuditQueryParams {
  limit?: number;
  before?: number;
  actor?: string;
  action?: string;
  from?: string;
  to?: string;
}

/** GET /api/v1/audit/verify. */
/** GET /api/v1/audit/verify: intact, or the first record that is not (and how); what the walk saw either way. */
export type VerifyResult = ({ ok: true } | { ok: false; kind: 'missing' | 'unlinked' | 'altered' | 'rehashed' | 'truncated' | 'rewritten' | 'checkpoint' | 'no-key'; firstBad: number; reason: string }) & {
  count: number;
  head: string;
  headSeq: number;
  keyedFrom: number | null;
  unkeyed: number;
  otherKeys: Record<string, number>;
  keyId: string | null;
  checkpoint: { seq: number; hash: string; at: string } | null;
};

/** GET /api/v1/channels. */
export interface ChannelState {
  id: string;
  type: string;
  health: 'ok' | 'down';
  outbox: number;
}
