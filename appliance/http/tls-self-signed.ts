import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import path from 'node:path';
import { SwitchboardError } from '../../common/errors.js';

/*
 * The certificate a box makes for itself when nobody gave it one: ECDSA P-256,
 * kept in DATADIR/tls/ (key 0600) and reused on every start, so the fingerprint
 * an admin once compared stays the same. The key is made by Node's own crypto;
 * @peculiar/x509 only encodes and signs the certificate, in this process.
 */

export const SELF_SIGNED_DAYS = 825;
/** A certificate this close to its end is replaced at start rather than left to expire while running. */
export const RENEW_BEFORE_DAYS = 30;
const DAY_MS = 86_400_000;
const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;

export interface SelfSignedFiles {
  dir: string;
  cert: string;
  key: string;
}

/** DATADIR/tls for the local listener; sip.tls keeps its own pair in DATADIR/sip-tls. */
export function selfSignedFiles(dataDir: string, folder = 'tls'): SelfSignedFiles {
  const dir = path.join(dataDir, folder);
  return { dir, cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
}

export interface CertificateNames {
  dns: string[];
  ips: string[];
}

/**
 * The names a browser may use for this box: the listen address (every
 * interface's for a wildcard), loopback, and the host name. Link-local IPv6
 * needs a zone and no browser puts one in a URL, so it is left out.
 */
export function namesFor(listenHost: string): CertificateNames {
  const ips = new Set<string>();
  if (listenHost === '0.0.0.0' || listenHost === '::') {
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) {
        if (a.family === 'IPv6' && (listenHost === '0.0.0.0' || a.address.toLowerCase().startsWith('fe80:'))) continue;
        ips.add(a.address);
      }
    }
  } else {
    ips.add(listenHost);
  }
  ips.add('127.0.0.1');
  ips.add('::1');
  const dns = new Set(['localhost']);
  const name = hostname().toLowerCase();
  if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(name)) dns.add(name);
  return { dns: [...dns], ips: [...ips] };
}

/** A fresh key and a certificate for it, both PEM. */
export async function makeSelfSigned(names: CertificateNames, now = new Date()): Promise<{ cert: string; key: string }> {
  // Loaded only here: the first start needs it, every other start and the CLI do not.
  // tsyringe (under @peculiar/x509) insists on the Reflect metadata polyfill being present.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  // Node's WebCrypto as the global the library is typed against.
  const crypto = globalThis.crypto;
  const keys = await crypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive and 16 bytes long, as RFC 5280 wants
  const cn = names.dns.find((d) => d !== 'localhost') ?? 'switchboard';
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial.toString('hex'),
      name: [{ CN: [cn] }, { O: ['Switchboard self-signed'] }],
      // An hour back, for a browser whose clock runs a little behind the box's.
      notBefore: new Date(now.getTime() - 3_600_000),
      notAfter: new Date(now.getTime() + SELF_SIGNED_DAYS * DAY_MS),
      keys,
      signingAlgorithm: { ...EC, hash: 'SHA-256' },
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([...names.dns.map((value) => ({ type: 'dns' as const, value })), ...names.ips.map((value) => ({ type: 'ip' as const, value }))]),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }) as string;
  return { cert: cert.toString('pem') + '\n', key };
}

export interface SelfSigned {
  cert: Buffer;
  key: Buffer;
  files: SelfSignedFiles;
  /** What happened at this start, for the log: reused, made at first start, or renewed before expiry. */
  outcome: 'reused' | 'made' | 'renewed';
  /** The key file had been opened to others and was made 0600 again. */
  tightened: boolean;
}

/** DATADIR/tls (or `files`) as it is, made on first use, or renewed when it is about to expire; `configKey` names the key in errors. */
export async function ensureSelfSigned(dataDir: string, listenHost: string, now = new Date(), files = selfSignedFiles(dataDir), configKey = 'listen.tls'): Promise<SelfSigned> {
  const existing = await readSelfSigned(files, configKey);
  if (existing && new Date(new X509Certificate(existing.cert).validTo).getTime() - now.getTime() > RENEW_BEFORE_DAYS * DAY_MS) {
    return { ...existing, files, outcome: 'reused', tightened: await keepPrivate(files.key) };
  }
  if (existing) await rename(files.dir, `${files.dir}.expired-${now.toISOString().replace(/[:.]/g, '-')}`);
  const made = await makeSelfSigned(namesFor(listenHost), now);
  await writeDir(dataDir, files, made);
  return { cert: Buffer.from(made.cert), key: Buffer.from(made.key), files, outcome: existing ? 'renewed' : 'made', tightened: false };
}

/** The pair in DATADIR/tls, or null when there is none yet. A broken pair is the admin's to look at: it is never replaced silently. */
export async function readSelfSigned(files: SelfSignedFiles, configKey = 'listen.tls'): Promise<{ cert: Buffer; key: Buffer } | null> {
  let cert: Buffer;
  let key: Buffer;
  try {
    [cert, key] = await Promise.all([readFile(files.cert), readFile(files.key)]);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !(await exists(files.dir))) return null;
    throw brokenPair(files, code ?? String(err), configKey);
  }
  let matches: boolean;
  try {
    matches = new X509Certificate(cert).checkPrivateKey(createPrivateKey(key));
  } catch (err) {
    throw brokenPair(files, (err as Error).message, configKey);
  }
  if (!matches) throw brokenPair(files, "the key is not the certificate's", configKey);
  return { cert, key };
}

function brokenPair(files: SelfSignedFiles, why: string, configKey: string): SwitchboardError {
  return new SwitchboardError(
    'SWB_ERR_CONFIG_INVALID',
    `${configKey}: self-signed: ${files.dir} holds no usable certificate and key (${why}); move it away to have a new one made at the next start`,
    { key: configKey, value: 'self-signed', expected: `a certificate and its key in ${files.dir}` },
  );
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

async function keepPrivate(keyFile: string): Promise<boolean> {
  if (((await stat(keyFile)).mode & 0o077) === 0) return false;
  await chmod(keyFile, 0o600);
  return true;
}

/**
 * Written into a fresh private directory, flushed, then renamed into place in
 * one step: a crash leaves either no DATADIR/tls or a whole one, never a key
 * without its certificate.
 */
async function writeDir(dataDir: string, files: SelfSignedFiles, made: { cert: string; key: string }): Promise<void> {
  const prefix = `${path.basename(files.dir)}.new-`;
  for (const name of await readdir(dataDir)) if (name.startsWith(prefix)) await rm(path.join(dataDir, name), { recursive: true, force: true });
  const tmp = await mkdtemp(path.join(dataDir, prefix));
  await writeSynced(path.join(tmp, path.basename(files.key)), made.key, 0o600);
  await writeSynced(path.join(tmp, path.basename(files.cert)), made.cert, 0o644);
  await rename(tmp, files.dir);
}

async function writeSynced(file: string, data: string, mode: number): Promise<void> {
  const fh = await open(file, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}
