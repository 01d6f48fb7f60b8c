import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { SwitchboardError } from '../../common/errors.js';
import { isLoopback } from '../../common/address-allow.js';

/**
 * `listen.tls`: PEM files the admin provides, a certificate the box makes for
 * itself, or plain HTTP. Absent means "by address": plain HTTP never leaves
 * loopback, so anything else gets the self-signed certificate.
 */
export const ListenTlsSchema = Type.Optional(
  Type.Union(
    [
      Type.Literal('off'),
      Type.Literal('self-signed'),
      Type.Object(
        {
          cert: Type.String({ minLength: 1, description: 'the path of a PEM certificate (chain)' }),
          key: Type.String({ minLength: 1, description: 'the path of its PEM private key' }),
        },
        { additionalProperties: false },
      ),
    ],
    { description: '"off", "self-signed" or {cert: PATH, key: PATH}' },
  ),
);

export type ListenTls = NonNullable<Static<typeof ListenTlsSchema>>;
export type TlsFiles = Extract<ListenTls, { cert: string }>;

interface ListenLike {
  host: string;
  tls?: ListenTls | undefined;
}

/** The mode in force: the configured one, else the default for the address. */
export function listenTlsOf(listen: ListenLike): ListenTls {
  return listen.tls ?? (isLoopback(listen.host) ? 'off' : 'self-signed');
}

export function tlsIsOn(listen: ListenLike): boolean {
  return listenTlsOf(listen) !== 'off';
}

/**
 * Fills in the default and refuses plain HTTP beyond loopback: a password and a
 * session cookie must never cross the network in clear. File paths are made
 * absolute here, like dataDir, so a later SIGHUP reads the same files.
 */
export function settleListenTls(listen: ListenLike, source: string): void {
  const tls = listenTlsOf(listen);
  if (tls === 'off' && !isLoopback(listen.host)) {
    throw new SwitchboardError(
      'SWB_ERR_CONFIG_INVALID',
      `${source}: listen.tls: got "off", expected "self-signed" or {cert, key} when listen.host (${listen.host}) is not loopback: plain HTTP would carry passwords and session cookies in clear`,
      { key: 'listen.tls', value: 'off', expected: '"self-signed" or {cert, key}' },
    );
  }
  listen.tls = typeof tls === 'string' ? tls : { cert: path.resolve(tls.cert), key: path.resolve(tls.key) };
}
