import { Type, type Static } from '@sinclair/typebox';

const NullStr = Type.Union([Type.String(), Type.Null()]);

/** GET /api/v1/calls/active: a call ringing or talking now. */
export const ActiveCall = Type.Object({
  id: Type.String(),
  direction: Type.Union([Type.Literal('in'), Type.Literal('out'), Type.Literal('internal')]),
  from: Type.String(),
  to: Type.String(),
  extension: NullStr,
  trunk: NullStr,
  state: Type.Union([Type.Literal('ringing'), Type.Literal('answered')]),
  start: Type.String(),
  answer: NullStr,
  recording: Type.Boolean(),
});
export type ActiveCall = Static<typeof ActiveCall>;
export const ActiveCalls = Type.Object({ items: Type.Array(ActiveCall) });
export type ActiveCalls = Static<typeof ActiveCalls>;

/** GET /api/v1/registrations (sip/http/routes.ts): one registered contact of a phone. */
export interface Registration {
  extension: string;
  contact: string;
  expires: string;
  expiresIn: number;
  userAgent: string | null;
  received: string;
  registeredAt: string;
}

/** Whether the appliance's SIP signalling (drachtio-server) is up: `disabled` when sip.enabled is false. */
export const Signalling = Type.Union([Type.Literal('connected'), Type.Literal('down'), Type.Literal('disabled')]);

/** GET /api/v1/extensions: each extension (config file or provisioning) and its phones now. */
export const ExtensionStates = Type.Object({
  signalling: Signalling,
  items: Type.Array(
    Type.Object({
      number: Type.String(),
      name: Type.String(),
      department: NullStr,
      source: Type.Union([Type.Literal('config'), Type.Literal('provisioning')]),
      record: Type.Boolean(),
      /** The user who answers it, if any. */
      user: NullStr,
      /** Registered contacts (phones, softphones) right now. */
      contacts: Type.Integer(),
    }),
  ),
});
export type ExtensionStates = Static<typeof ExtensionStates>;

/** GET /api/v1/trunks: each provider trunk and, for those that register, how that stands. */
export const TrunkStates = Type.Object({
  signalling: Signalling,
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      host: Type.String(),
      port: Type.Integer(),
      transport: Type.String(),
      prefix: Type.String(),
      inbound: Type.String(),
      /** null: the trunk does not register (the provider knows our address). */
      registration: Type.Union([Type.Literal('unregistered'), Type.Literal('registering'), Type.Literal('registered'), Type.Literal('failed'), Type.Null()]),
    }),
  ),
});
export type TrunkStates = Static<typeof TrunkStates>;
