import { Type, type Static } from '@sinclair/typebox';

/** GET /api/v1/clients/:id (appliance/clients/card.ts ClientCard; api/contract.ts checks the card fits). */
export const ClientCard = Type.Object({
  id: Type.String(),
  name: Type.String(),
  identities: Type.Array(Type.Object({ kind: Type.String(), value: Type.String() })),
  tags: Type.Array(Type.String()),
  fields: Type.Record(Type.String(), Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  mergedInto: Type.Optional(Type.String()),
  mergedFrom: Type.Optional(Type.Array(Type.String())),
});
export type ClientCard = Static<typeof ClientCard>;

