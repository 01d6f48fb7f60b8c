import { Type, type Static, type TProperties } from '@sinclair/typebox';
import { DepartmentsSchema, ExtensionsSchema, SecretValue, SipSchema, TrunksSchema } from '../../sip/config.js';
import { ChannelsSchema, GatewaySchema } from '../../gateway/config.js';

/*
 * The whole configuration, one schema. Every key has a default so an absent file
 * serves; unknown keys are refused (a typo must not silently fall back to a default).
 */
const Port = Type.Integer({ minimum: 0, maximum: 65535, description: 'a TCP port 0..65535' });

export const ListenSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', minLength: 1, description: 'an IP address to bind' }),
    port: Type.Integer({ ...Port, default: 8080 }),
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
  },
  { additionalProperties: false, default: {} },
);

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
    loginRatePerMinute: Type.Integer({ minimum: 1, default: 30, description: 'login attempts per source address per minute' }),
    argon2MemoryKiB: Type.Integer({ minimum: 19456, default: 19456, description: 'argon2id memory cost, at least OWASP 19 MiB' }),
    argon2TimeCost: Type.Integer({ minimum: 2, default: 2 }),
    argon2Parallelism: Type.Integer({ minimum: 1, maximum: 16, default: 1 }),
  },
  { additionalProperties: false, default: {} },
);

export const LogSchema = Type.Object(
  {
    level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  },
  { additionalProperties: false, default: {} },
);

const closed = { additionalProperties: false, default: {} } as const;

/** The control link of a media server (ESL, AMI): where, and the reconnect backoff. */
const mediaLink = (port: number) => ({
  host: Type.String({ minLength: 1, default: '127.0.0.1' }),
  port: Type.Integer({ ...Port, default: port }),
  reconnectMinMs: Type.Integer({ minimum: 10, default: 500 }),
  reconnectMaxMs: Type.Integer({ minimum: 100, default: 30_000 }),
});

/** A media server's section: its control link and the SIP address the B2BUA sends legs to. */
const mediaServer = <L extends TProperties>(link: L, sipPort: number) =>
  Type.Object({ ...link, sip: Type.Object({ host: Type.String({ minLength: 1, default: '127.0.0.1' }), port: Type.Integer({ ...Port, default: sipPort }) }, closed) }, closed);

/** The media server that anchors and records calls; `none` keeps media phone to phone (nothing recorded). */
export const MediaSchema = Type.Object(
  {
    backend: Type.Union([Type.Literal('none'), Type.Literal('freeswitch'), Type.Literal('asterisk')], { default: 'none' }),
    freeswitch: mediaServer({ esl: Type.Object({ ...mediaLink(8021), password: Type.Union([SecretValue, Type.Null()], { default: null }) }, closed) }, 5080),
    asterisk: mediaServer(
      {
        ami: Type.Object(
          { ...mediaLink(5038), username: Type.String({ minLength: 1, default: 'switchboard' }), secret: Type.Union([SecretValue, Type.Null()], { default: null }) },
          closed,
        ),
      },
      5060,
    ),
    /** A call that should be recorded while the media server is down: refuse it (503) or connect it unrecorded and flag the record. */
    whenDown: Type.Union([Type.Literal('unrecorded'), Type.Literal('reject')], { default: 'unrecorded' }),
    /** Recordings older than this are deleted (sweep at start and hourly); 0 keeps them forever. */
    retentionDays: Type.Integer({ minimum: 0, default: 365 }),
    /** Below this much free space under DATADIR/recordings a call to be recorded connects unrecorded (recording: disk-full). */
    minFreeMiB: Type.Integer({ minimum: 0, default: 512 }),
    /** While a recording runs, free space is read this often; below minFreeMiB running recordings are stopped (the calls go on). */
    diskCheckSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 5 }),
    /** Played to both parties of a recorded call whose policy says announce; null: a built-in 1400 Hz beep. */
    announcement: Type.Object(
      { file: Type.Union([Type.Null(), Type.String({ minLength: 1, description: 'a WAV file path the media server can read' })], { default: null }) },
      closed,
    ),
  },
  { additionalProperties: false, default: {} },
);

export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({ default: './var', minLength: 1, description: 'a directory path' }),
    listen: ListenSchema,
    access: AccessSchema,
    log: LogSchema,
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
export type MediaConfig = Static<typeof MediaSchema>;
export type AccessConfig = Static<typeof AccessSchema>;
