import { Type, type Static } from '@sinclair/typebox';
import { DirectorySchema } from './directory-config.js';

/** The `access:` section: passwords, sessions, second factor, lockout. */
export const AccessSchema = Type.Object(
  {
    passwordMinLength: Type.Integer({ minimum: 12, maximum: 64, default: 12 }),
    passwordMaxLength: Type.Integer({ minimum: 64, maximum: 1024, default: 128 }),
    sessionIdleSeconds: Type.Integer({ minimum: 60, default: 1800 }),
    sessionLifetimeSeconds: Type.Integer({ minimum: 300, default: 12 * 3600 }),
    totpRequiredRoles: Type.Array(Type.Union([Type.Literal('admin'), Type.Literal('supervisor'), Type.Literal('operator'), Type.Literal('auditor')]), {
      default: ['admin'],
    }),
    lockoutThreshold: Type.Integer({ minimum: 3, maximum: 100, default: 10 }),
    lockoutSeconds: Type.Integer({ minimum: 60, default: 900 }),
    lockoutAddresses: Type.Integer({ minimum: 1, maximum: 16, default: 3, description: 'distinct source addresses the failures that lock an account must come from' }),
    addressFreeFailures: Type.Integer({ minimum: 1, maximum: 1000, default: 5, description: 'failures from one address before its waits begin' }),
    loginRatePerMinute: Type.Integer({ minimum: 1, default: 30, description: 'login attempts per source address per minute' }),
    argon2MemoryKiB: Type.Integer({ minimum: 19456, default: 19456, description: 'argon2id memory cost, at least OWASP 19 MiB' }),
    argon2TimeCost: Type.Integer({ minimum: 2, default: 2 }),
    argon2Parallelism: Type.Integer({ minimum: 1, maximum: 16, default: 1 }),
    directory: Type.Union([Type.Null(), DirectorySchema], { default: null, description: 'null, or sign-in through the firm\'s LDAP / Active Directory' }),
  },
  { additionalProperties: false, default: {} },
);

export type AccessConfig = Static<typeof AccessSchema>;
