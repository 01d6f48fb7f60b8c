/**
 * The identity kinds a card may hold (domain/clients/identity.ts; contract.ts checks they agree).
 * A file of its own without TypeBox: the console uses the list as a value, and must not bundle a schema library for it.
 */
export const IDENTITY_KINDS = ['phone', 'email', 'telegram', 'whatsapp', 'vk', 'webchat'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];
