import { Type, type Static } from '@sinclair/typebox';
import { HUMAN_ROLES } from '../../domain/access/roles.js';

/**
 * Request and response shapes shared by the routes and the operator console
 * (console/ imports these types), so a changed route breaks the console build.
 * Only typebox here: the browser's typecheck must not pull in the server.
 */
export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    totp: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const HumanRoleSchema = Type.Union(HUMAN_ROLES.map((r) => Type.Literal(r)));

/** What a browser knows of its own session: never the session secret, which stays in an HttpOnly cookie. */
export const BrowserSession = Type.Object({
  username: Type.String(),
  role: HumanRoleSchema,
  department: Type.Union([Type.String(), Type.Null()]),
  /** The extension this user answers: the console offers the recordings of its calls. */
  extension: Type.Union([Type.String(), Type.Null()]),
  expiresAt: Type.String(),
  /** access.sessionIdleSeconds: the console signs itself out after this long without input. */
  idleSeconds: Type.Integer(),
  /** Sent back as X-CSRF-Token on every state-changing request. */
  csrf: Type.String(),
});
export type BrowserSession = Static<typeof BrowserSession>;

/** details of SWB_ERR_TOTP_REQUIRED on a browser sign-in whose enrolment is not confirmed yet. */
export interface TotpEnrolmentDetails {
  enrolment: 'pending' | 'confirmed';
  totpUri?: string;
  /** The otpauth URI as an SVG QR code, a data: URL for an <img>. */
  qr?: string;
}

/** Every refusal the API sends: a catalogue code, a sentence, and details for some codes. */
export interface ApiError {
  error: string;
  message: string;
  details?: Record<string, unknown>;
}
