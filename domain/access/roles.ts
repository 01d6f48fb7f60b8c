/** People sign in with a password (and TOTP); machines carry a service token. */
export const HUMAN_ROLES = ['admin', 'supervisor', 'operator', 'auditor'] as const;
export const SERVICE_ROLES = ['metrics', 'integration'] as const;
export const ALL_ROLES = [...HUMAN_ROLES, ...SERVICE_ROLES] as const;

export type HumanRole = (typeof HUMAN_ROLES)[number];
export type ServiceRole = (typeof SERVICE_ROLES)[number];
export type Role = HumanRole | ServiceRole;

/** Who is making a request, after authentication. */
export interface Principal {
  kind: 'user' | 'service';
  id: string; // username, or service token id
  role: Role;
  department: string | null;
  sessionId: string | null; // hash of the session token, for logout and admin revoke
}

export function isHumanRole(r: string): r is HumanRole {
  return (HUMAN_ROLES as readonly string[]).includes(r);
}
export function isServiceRole(r: string): r is ServiceRole {
  return (SERVICE_ROLES as readonly string[]).includes(r);
}

/** Supervisors and admins dispatch and review the whole desk, and an integration token syncs all of it to a CRM. */
export function seesWholeDesk(principal: Principal): boolean {
  return principal.role === 'admin' || principal.role === 'supervisor' || principal.role === 'integration';
}
