import { Type } from '@sinclair/typebox';

/** The `audit:` section: where the chain's integrity key and head checkpoint live; null: DATADIR/keys (or the systemd credential `audit-key`). */
export const AuditSchema = Type.Object(
  {
    keyFile: Type.Union([Type.Null(), Type.String({ minLength: 1, description: 'a file path holding 64 hex digits' })], { default: null }),
    checkpointFile: Type.Union([Type.Null(), Type.String({ minLength: 1, description: 'a file path the appliance can write' })], { default: null }),
  },
  { additionalProperties: false, default: {} },
);
