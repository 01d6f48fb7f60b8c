/**
 * The one error catalogue. Every failure the appliance reports to a person or a
 * peer is one of these codes; the error table in docs/api.md is generated from, and
 * tested against, this object (test/common/errors.test.ts).
 */
export const catalogue = {
  SWB_ERR_CONFIG_INVALID: { status: 500, message: 'Configuration is invalid' },
  SWB_ERR_CONFIG_UNREADABLE: { status: 500, message: 'Configuration file cannot be read' },
  SWB_ERR_CONFIG_EXPOSED: { status: 500, message: 'The configuration or a secret file it names can be read by every user' },
  SWB_ERR_STORE_UNAVAILABLE: { status: 503, message: 'The data store cannot be opened or written', retry: true },
  SWB_ERR_STORE_FULL: { status: 507, message: 'The data store or its disk is full', retry: true },
  SWB_ERR_STORE_SCHEMA: { status: 500, message: 'The data store was written by a newer version' },
  SWB_ERR_STORE_LOCKED: { status: 409, message: 'The data store is in use by a running appliance' },
  SWB_ERR_BAD_REQUEST: { status: 400, message: 'The request is malformed' },
  SWB_ERR_VALIDATION: { status: 400, message: 'The request does not match the schema' },
  SWB_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Content-Type must be application/json' },
  SWB_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  SWB_ERR_NOT_FOUND: { status: 404, message: 'No such resource' },
  SWB_ERR_CONFLICT: { status: 409, message: 'The resource conflicts with an existing one' },
  SWB_ERR_UNAUTHENTICATED: { status: 401, message: 'Authentication is required' },
  SWB_ERR_BAD_CREDENTIALS: { status: 401, message: 'Wrong username, password or code' },
  SWB_ERR_TOTP_REQUIRED: { status: 401, message: 'A TOTP code is required' },
  SWB_ERR_TOTP_ENROLMENT_REQUIRED: { status: 403, message: 'TOTP enrolment must be confirmed first' },
  SWB_ERR_ACCOUNT_LOCKED: { status: 423, message: 'The account is locked after repeated failures' },
  SWB_ERR_ACCOUNT_DISABLED: { status: 403, message: 'The account is disabled' },
  SWB_ERR_FORBIDDEN: { status: 403, message: 'Your role does not allow this' },
  SWB_ERR_ADDRESS_NOT_ALLOWED: { status: 403, message: 'Your address is not in the allow-list' },
  SWB_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests' },
  SWB_ERR_CSRF: { status: 403, message: 'The browser request is not from this console (Origin or CSRF token)' },
  SWB_ERR_INSECURE_TRANSPORT: { status: 403, message: 'Browser sign-in needs HTTPS beyond loopback' },
  SWB_ERR_WEAK_PASSWORD: { status: 400, message: 'The password is too short, too long or too common' },
  SWB_ERR_IDENTITY_TAKEN: { status: 409, message: 'The identity belongs to another client' },
  SWB_ERR_AUDIT_BROKEN: { status: 500, message: 'The audit chain does not verify' },
  SWB_ERR_BACKUP_INVALID: { status: 400, message: 'The backup is corrupt or incomplete' },
  SWB_ERR_BACKUP_UNAUTHENTICATED: { status: 400, message: "The backup's manifest cannot be authenticated with this box's integrity key" },
  SWB_ERR_SERVICE_MANAGER: { status: 500, message: 'The service manager (systemd) cannot be notified' },
  SWB_ERR_WEBHOOK_SIGNATURE: { status: 403, message: "The webhook's signature or secret does not verify" },
  SWB_ERR_PROVIDER_UNAVAILABLE: { status: 502, message: 'The messenger provider cannot be reached or failed', retry: true },
  SWB_ERR_CHANNEL_UNAVAILABLE: { status: 409, message: 'The channel cannot carry this message' },
  SWB_ERR_SIP_UNAVAILABLE: { status: 503, message: 'drachtio-server is not connected' },
  SWB_ERR_NO_EXTENSION: { status: 409, message: 'You have no phone extension to call from' },
  SWB_ERR_PHONE_OFFLINE: { status: 409, message: 'Your phone is not registered' },
  SWB_ERR_PEER_MISSING: { status: 500, message: 'A required peer program is missing or will not start' },
  SWB_ERR_MEDIA_UNAVAILABLE: { status: 503, message: 'The media server (FreeSWITCH or Asterisk) is not connected' },
  SWB_ERR_DIRECTORY_UNAVAILABLE: { status: 503, message: 'The directory (LDAP) cannot be reached; local accounts can still sign in', retry: true },
  SWB_ERR_MEDIA_TIMEOUT: { status: 504, message: 'The media server did not answer in time' },
  SWB_ERR_MEDIA_REFUSED: { status: 502, message: 'The media server refused the command' },
  SWB_ERR_INTERNAL: { status: 500, message: 'Internal error' },
} as const satisfies Record<string, { status: number; message: string; retry?: true }>;

export type ErrorCode = keyof typeof catalogue;

/** The only error class product code throws: a catalogue code plus a specific detail. */
export class SwitchboardError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, detail?: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    const entry = catalogue[code];
    super(detail ? `${entry.message}: ${detail}` : entry.message, options);
    this.name = 'SwitchboardError';
    this.code = code;
    this.status = entry.status;
    this.details = details;
  }

  toJSON(): { error: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details ? { error: this.code, message: this.message, details: this.details } : { error: this.code, message: this.message };
  }
}

/**
 * A failure that is ours and passes (a provider down, the store full or unavailable): a peer that
 * delivered something to us should deliver it again, so webhooks answer it with 503, never a 200.
 */
export function isRetryable(err: SwitchboardError): boolean {
  return 'retry' in catalogue[err.code];
}

export function isSwitchboardError(err: unknown, code?: ErrorCode): err is SwitchboardError {
  return err instanceof SwitchboardError && (code === undefined || err.code === code);
}
