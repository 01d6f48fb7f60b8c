import { Type, type Static } from '@sinclair/typebox';
import { Port, SecretValue } from '../common/config.js';
import type { MediaConfig } from './media/config.js';

/**
 * The `sip:`, `extensions:` and `trunks:` configuration keys. `extensions` and
 * `trunks` are a contract with the acceptance checks: their names and fields
 * stay as the issue states them.
 */
const Algorithm = Type.Union([Type.Literal('SHA-256'), Type.Literal('MD5')], { description: 'SHA-256 or MD5' });

/** sipvicious, sipcli, VaxSIPUserAgent and friends: matched as substrings of User-Agent, case-insensitive. */
export const DEFAULT_SCANNER_USER_AGENTS = ['friendly-scanner', 'sipvicious', 'sipcli', 'sip-cli', 'VaxSIPUserAgent', 'sipsak', 'SIPScan', 'iWar', 'sundayddr', 'pplsip', 'smap', 'Cisco-SIPScanner'];

/**
 * `sip.tls`: drachtio-server also listens for SIP over TLS (`sips:` contacts).
 * null: off. `'self-signed'` or `{selfSigned: true}`: a certificate the box
 * makes for itself (DATADIR/sip-tls); `{cert, key}`: PEM files the admin gives.
 * Defaults (port 5061, TLSv1.2) are filled in by sipTlsOf, not the schema:
 * TypeBox does not default inside a union.
 */
export const SipTlsSchema = Type.Union(
  [
    Type.Null(),
    Type.Literal('self-signed'),
    Type.Object(
      {
        port: Type.Optional(Type.Integer({ ...Port, description: 'the SIP over TLS port (default 5061)' })),
        cert: Type.Optional(Type.String({ minLength: 1, description: 'the path of a PEM certificate (chain)' })),
        key: Type.Optional(Type.String({ minLength: 1, description: 'the path of its PEM private key' })),
        selfSigned: Type.Optional(Type.Literal(true)),
        /** TLS 1.0 and 1.1 are never accepted (RFC 8996); drachtio-server 0.9.4 has no TLS 1.3 floor to offer. */
        minVersion: Type.Optional(Type.Literal('TLSv1.2', { description: 'TLSv1.2' })),
      },
      { additionalProperties: false },
    ),
  ],
  { default: null, description: 'null, "self-signed", or {port, cert, key, minVersion} or {port, selfSigned: true}' },
);

export type SipTlsConfig = Static<typeof SipTlsSchema>;

/** sip.tls with its defaults filled in, or null when SIP over TLS is off. */
export interface SipTls {
  port: number;
  minVersion: 'TLSv1.2';
  certificate: 'self-signed' | { cert: string; key: string };
}

export function sipTlsOf(tls: SipTlsConfig | undefined): SipTls | null {
  if (tls === null || tls === undefined) return null;
  if (tls === 'self-signed') return { port: 5061, minVersion: 'TLSv1.2', certificate: 'self-signed' };
  return { port: tls.port ?? 5061, minVersion: 'TLSv1.2', certificate: tls.selfSigned ? 'self-signed' : { cert: tls.cert!, key: tls.key! } };
}

export const SipSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'true to connect to drachtio-server' }),
    drachtio: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1', minLength: 1 }),
        port: Type.Integer({ ...Port, default: 9022 }),
        /** drachtio-server's own default, so a box with upstream's config connects; change both together. */
        secret: Type.Union(SecretValue.anyOf, { default: 'cymru', description: SecretValue.description }),
        tls: Type.Union(
          [
            Type.Null(),
            Type.Object(
              {
                ca: Type.Optional(Type.String({ minLength: 1, description: 'a PEM file path' })),
                cert: Type.Optional(Type.String({ minLength: 1, description: 'a PEM file path' })),
                key: Type.Optional(Type.String({ minLength: 1, description: 'a PEM file path' })),
                servername: Type.Optional(Type.String({ minLength: 1 })),
                rejectUnauthorized: Type.Boolean({ default: true }),
              },
              { additionalProperties: false },
            ),
          ],
          { default: null },
        ),
        reconnectMinMs: Type.Integer({ minimum: 50, maximum: 60_000, default: 250 }),
        reconnectMaxMs: Type.Integer({ minimum: 100, maximum: 300_000, default: 10_000 }),
        /** drachtio-srf pings at this interval (its own bounds: 5..300 s); a server silent for two intervals is taken for hung. */
        pingSeconds: Type.Integer({ minimum: 5, maximum: 300, default: 5 }),
      },
      { additionalProperties: false, default: {} },
    ),
    tls: SipTlsSchema,
    realm: Type.String({ default: 'switchboard', minLength: 1, pattern: '^[^"\\\\\\r\\n]+$', description: 'a digest realm without quotes' }),
    auth: Type.Object(
      {
        /**
         * MD5 alone by default: phones whose stack meets a second, unknown challenge give up on all of them
         * (libre 1.1.0 in Debian 12's baresip answers none), so offering SHA-256 to everyone locks them out.
         */
        algorithms: Type.Array(Algorithm, { minItems: 1, maxItems: 2, uniqueItems: true, default: ['MD5'] }),
        /**
         * User-Agent substrings (case-insensitive) whose requests are offered SHA-256 first, then the algorithms
         * above. By user agent, not by extension: a challenge that differed by extension would tell a scanner
         * which extensions exist.
         */
        sha256UserAgents: Type.Array(Type.String({ minLength: 2, maxLength: 128 }), { default: [] }),
        nonceTtlSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 300 }),
      },
      { additionalProperties: false, default: {} },
    ),
    registrar: Type.Object(
      {
        minExpires: Type.Integer({ minimum: 10, maximum: 3600, default: 60 }),
        maxExpires: Type.Integer({ minimum: 60, maximum: 86_400, default: 3600 }),
        defaultExpires: Type.Integer({ minimum: 10, maximum: 86_400, default: 600 }),
        maxContacts: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
      },
      { additionalProperties: false, default: {} },
    ),
    calls: Type.Object(
      {
        ringTimeoutSeconds: Type.Integer({ minimum: 1, maximum: 600, default: 30 }),
        /** RFC 3261 §13.3.1.4: 64*T1 = 32 s without an ACK ends the call. */
        ackTimeoutSeconds: Type.Integer({ minimum: 1, maximum: 64, default: 32 }),
        /** An answered call longer than this is hung up on both legs (a lost BYE must not hold a call, and its recording, for ever); 0: no limit. */
        maxDurationSeconds: Type.Integer({ minimum: 0, maximum: 7 * 86_400, default: 4 * 3600 }),
        /** Where an inbound call goes when its trunk's target has nobody registered: an extension or a department. */
        fallback: Type.Union([Type.Null(), Type.String({ minLength: 1 })], { default: null }),
        /** The country code and national prefix that turn a trunk's national numbers into E.164. */
        countryCode: Type.String({ pattern: '^[1-9][0-9]{0,2}$', default: '7' }),
        nationalPrefix: Type.String({ pattern: '^[0-9]{0,2}$', default: '8' }),
      },
      { additionalProperties: false, default: {} },
    ),
    protection: Type.Object(
      {
        registerPerSecond: Type.Number({ minimum: 0.1, default: 10, description: 'REGISTERs per source address per second' }),
        registerBurst: Type.Integer({ minimum: 1, default: 40 }),
        invitePerSecond: Type.Number({ minimum: 0.1, default: 5, description: 'INVITEs per source address per second' }),
        inviteBurst: Type.Integer({ minimum: 1, default: 20 }),
        banAfterFailures: Type.Integer({ minimum: 1, maximum: 1000, default: 5 }),
        failureWindowSeconds: Type.Integer({ minimum: 10, default: 600 }),
        banSeconds: Type.Integer({ minimum: 10, default: 600 }),
        scannerUserAgents: Type.Array(Type.String({ minLength: 2 }), { default: DEFAULT_SCANNER_USER_AGENTS }),
        /** Addresses or CIDRs never rate-limited or banned (the trunk's hosts always are). */
        trusted: Type.Array(Type.String(), { default: [] }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

export const ExtensionSchema = Type.Object(
  {
    number: Type.String({ pattern: '^[0-9]{2,8}$', description: 'an extension number of 2 to 8 digits' }),
    password: SecretValue,
    name: Type.String({ maxLength: 128, default: '' }),
    department: Type.Union([Type.Null(), Type.String({ minLength: 1, maxLength: 64 })], { default: null }),
    record: Type.Boolean({ default: false }),
    /** With record: play the announcement (media.announcement) to both parties once the recording runs. */
    announce: Type.Boolean({ default: false }),
    /** tls-only: REGISTERs and calls of this extension over UDP or TCP are refused (403), and it is only rung over TLS. */
    transport: Type.Union([Type.Literal('any'), Type.Literal('tls-only')], { default: 'any', description: '"any" or "tls-only"' }),
  },
  { additionalProperties: false },
);

export const TrunkSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,31}$', description: 'a short id: lower-case letters, digits, - and _' }),
    host: Type.String({ minLength: 1, description: "the provider's IP address" }),
    port: Type.Integer({ ...Port, default: 5060 }),
    transport: Type.Union([Type.Literal('udp'), Type.Literal('tcp')], { default: 'udp' }),
    username: Type.Optional(Type.String({ minLength: 1 })),
    password: Type.Optional(SecretValue),
    /** The extension number or the department that inbound calls ring. */
    inbound: Type.String({ minLength: 1 }),
    /** Dialled digits starting with this select the trunk; the prefix is stripped. */
    prefix: Type.String({ pattern: '^[0-9*#]{1,4}$', description: 'a dial prefix of 1 to 4 digits' }),
    /** The number presented to the provider on outbound calls; null keeps the extension's own. */
    callerId: Type.Union([Type.Null(), Type.String({ minLength: 1 })], { default: null }),
    registerExpires: Type.Integer({ minimum: 60, maximum: 86_400, default: 600 }),
    /** Record every call over this trunk (as well as calls of extensions with record: true). */
    record: Type.Boolean({ default: false }),
    announce: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

/** A department's recording policy: every call of its extensions, and every call to it as a ring group. */
export const DepartmentSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, description: 'a department name' }),
    record: Type.Boolean({ default: false }),
    announce: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

export const ExtensionsSchema = Type.Array(ExtensionSchema, { default: [] });
export const TrunksSchema = Type.Array(TrunkSchema, { default: [] });
export const DepartmentsSchema = Type.Array(DepartmentSchema, { default: [] });

export type SipConfig = Static<typeof SipSchema>;
export type ExtensionConfig = Static<typeof ExtensionSchema>;
export type TrunkConfig = Static<typeof TrunkSchema>;
export type DepartmentConfig = Static<typeof DepartmentSchema>;
export type SecretValueConfig = Static<typeof SecretValue>;

/** What the telephony module reads of the whole configuration: its own sections and the data directory. */
export interface SipModuleConfig {
  dataDir: string;
  sip: SipConfig;
  extensions: ExtensionConfig[];
  trunks: TrunkConfig[];
  departments: DepartmentConfig[];
  media: MediaConfig;
}
