import { Type, type Static } from '@sinclair/typebox';
import { BindPort } from '../../common/config.js';
import { AccessSchema } from '../../domain/access/config.js';
import { AuditSchema } from '../../domain/audit/config.js';
import { DepartmentsSchema, ExtensionsSchema, SipSchema, TrunksSchema } from '../../sip/config.js';
import { MediaSchema } from '../../sip/media/config.js';
import { ChannelsSchema, GatewaySchema } from '../../gateway/config.js';
import { ListenTlsSchema } from '../http/tls-config.js';

/*
 * The whole configuration, assembled from each module's own section. Every key has a default so an
 * absent file serves; unknown keys are refused (a typo must not silently fall back to a default).
 */

export const ListenSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', minLength: 1, description: 'an IP address to bind' }),
    port: Type.Integer({ ...BindPort, default: 8080 }),
    allow: Type.Array(Type.String({ description: 'an address or CIDR, e.g. 10.1.2.0/24' }), {
      default: [],
      description: 'client networks allowed when host is not loopback',
    }),
    bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: 1024 * 1024 }),
    /** The reverse proxies whose X-Forwarded-For is believed; a request from any other socket is judged by its socket address. */
    trustProxy: Type.Union([Type.Literal(false), Type.Array(Type.String({ description: 'a proxy address or CIDR, e.g. 127.0.0.1' }))], {
      default: false,
      description: "false, or the list of your reverse proxies' addresses or CIDRs, e.g. [127.0.0.1] (true is refused: it believed an X-Forwarded-For any client can write)",
    }),
    tls: ListenTlsSchema,
  },
  { additionalProperties: false, default: {} },
);

export const LogSchema = Type.Object(
  {
    level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  },
  { additionalProperties: false, default: {} },
);

export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({ default: './var', minLength: 1, description: 'a directory path' }),
    listen: ListenSchema,
    access: AccessSchema,
    log: LogSchema,
    audit: AuditSchema,
    sip: SipSchema,
    extensions: ExtensionsSchema,
    trunks: TrunksSchema,
    departments: DepartmentsSchema,
    channels: ChannelsSchema,
    gateway: GatewaySchema,
    media: MediaSchema,
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
export type { AccessConfig } from '../../domain/access/config.js';
export type { MediaConfig } from '../../sip/media/config.js';
