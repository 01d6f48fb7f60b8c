import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * SIP digest authentication (RFC 3261 §22.4, RFC 7616 for the algorithms and
 * qop, RFC 8760 for SHA-256 in SIP). Stateless nonces: each one carries its
 * issue time and an HMAC, so any nonce this process issued can be checked
 * without a table, and one from before a restart (a new key) is simply stale.
 */
export type DigestAlgorithm = 'MD5' | 'SHA-256';

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: DigestAlgorithm;
  qop: 'auth' | null;
  nc: string | null;
  cnonce: string | null;
  opaque: string | null;
}

export type NonceState = 'fresh' | 'stale' | 'forged';

export type DigestVerdict =
  /** Right password and a fresh nonce. */
  | { ok: true; username: string }
  /** Right password but an expired or replayed nonce: challenge again with stale=true (RFC 7616 §3.3). */
  | { ok: false; reason: 'stale' }
  /** Anything else: no credentials, malformed, wrong realm, unknown user, wrong password, forged nonce. */
  | { ok: false; reason: 'missing' | 'malformed' | 'realm' | 'unknown-user' | 'bad-password' | 'forged-nonce' | 'algorithm' };

const NONCE_MAC_BYTES = 12;

const hash = (alg: DigestAlgorithm, s: string): string => createHash(alg === 'MD5' ? 'md5' : 'sha256').update(s).digest('hex');

/** Parse `Digest k=v, k="v", ...` (RFC 7616 §3.4); returns null for anything not a digest. */
export function parseAuthorization(header: string | undefined): Record<string, string> | null {
  if (!header) return null;
  const m = /^\s*Digest\s+(.*)$/is.exec(header);
  if (!m) return null;
  const out: Record<string, string> = {};
  const re = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))\s*(?:,|$)/gy;
  const body = m[1]!;
  let last = 0;
  let p: RegExpExecArray | null;
  while ((p = re.exec(body)) !== null) {
    out[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
    last = re.lastIndex;
    if (last >= body.length) break;
  }
  return last >= body.trimEnd().length ? out : null;
}

export function credentialsFrom(fields: Record<string, string> | null): DigestCredentials | 'malformed' | 'algorithm' | null {
  if (!fields) return null;
  const { username, realm, nonce, uri, response } = fields;
  if (!username || realm === undefined || !nonce || !uri || !response) return 'malformed';
  const algRaw = (fields.algorithm ?? 'MD5').toUpperCase();
  if (algRaw !== 'MD5' && algRaw !== 'SHA-256') return 'algorithm';
  const qop = fields.qop ? fields.qop.toLowerCase() : null;
  if (qop !== null && qop !== 'auth') return 'malformed';
  if (qop && (!fields.nc || !/^[0-9a-fA-F]{8}$/.test(fields.nc) || !fields.cnonce)) return 'malformed';
  return { username, realm, nonce, uri, response: response.toLowerCase(), algorithm: algRaw, qop, nc: fields.nc ?? null, cnonce: fields.cnonce ?? null, opaque: fields.opaque ?? null };
}

/** The expected `response` for these credentials and password (RFC 7616 §3.4.1, qop=auth or RFC 2069 style). */
export function expectedResponse(c: DigestCredentials, method: string, password: string): string {
  const ha1 = hash(c.algorithm, `${c.username}:${c.realm}:${password}`);
  const ha2 = hash(c.algorithm, `${method}:${c.uri}`);
  return c.qop ? hash(c.algorithm, `${ha1}:${c.nonce}:${c.nc}:${c.cnonce}:${c.qop}:${ha2}`) : hash(c.algorithm, `${ha1}:${c.nonce}:${ha2}`);
}

export interface DigestOptions {
  realm: string;
  algorithms: DigestAlgorithm[];
  /** User-Agent substrings (any case) offered SHA-256 first, before `algorithms`. */
  sha256UserAgents?: string[];
  nonceTtlSeconds: number;
  now?: () => number;
}

/** Issues challenges and checks answers for one realm. */
export class DigestAuthenticator {
  private readonly key = randomBytes(32);
  /** Highest nonce-count seen per nonce, so a captured Authorization cannot be replayed (RFC 7616 §3.4.5). */
  private readonly counts = new Map<string, number>();
  private readonly now: () => number;
  /** A password no extension has: unknown users are checked against it, so they cost the same as known ones. */
  private readonly decoy = randomBytes(18).toString('base64');

  private readonly sha256Agents: string[];

  constructor(private readonly opts: DigestOptions) {
    this.now = opts.now ?? Date.now;
    this.sha256Agents = (opts.sha256UserAgents ?? []).map((a) => a.toLowerCase());
  }

  /**
   * What this user agent is offered, most preferred first. Only the User-Agent decides, never the
   * user named: a challenge must look the same for an extension that exists and one that does not.
   */
  algorithmsFor(userAgent: string | undefined): DigestAlgorithm[] {
    const ua = (userAgent ?? '').toLowerCase();
    if (!ua || !this.sha256Agents.some((a) => ua.includes(a))) return this.opts.algorithms;
    return ['SHA-256', ...this.opts.algorithms.filter((a) => a !== 'SHA-256')];
  }

  get realm(): string {
    return this.opts.realm;
  }

  newNonce(): string {
    const body = Buffer.alloc(16);
    body.writeBigUInt64BE(BigInt(this.now()), 0);
    randomBytes(8).copy(body, 8);
    const mac = createHmac('sha256', this.key).update(body).digest().subarray(0, NONCE_MAC_BYTES);
    return Buffer.concat([body, mac]).toString('base64url');
  }

  nonceState(nonce: string): NonceState {
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== 16 + NONCE_MAC_BYTES) return 'forged';
    const body = raw.subarray(0, 16);
    const mac = createHmac('sha256', this.key).update(body).digest().subarray(0, NONCE_MAC_BYTES);
    if (!timingSafeEqual(mac, raw.subarray(16))) return 'forged';
    const age = this.now() - Number(body.readBigUInt64BE(0));
    return age >= 0 && age <= this.opts.nonceTtlSeconds * 1000 ? 'fresh' : 'stale';
  }

  /**
   * One WWW-Authenticate value per algorithm, most preferred first (RFC 8760
   * §2.4). The same for every user, known or not, so a challenge tells a
   * scanner nothing about which extensions exist.
   */
  challenges(stale = false, userAgent?: string): string[] {
    const nonce = this.newNonce();
    return this.algorithmsFor(userAgent).map(
      (alg) => `Digest realm="${this.opts.realm}", nonce="${nonce}", algorithm=${alg}, qop="auth"${stale ? ', stale=true' : ''}`,
    );
  }

  /** `password` is undefined for an unknown user: the work done is the same, the verdict is not. */
  verify(header: string | undefined, method: string, password: string | undefined, userAgent?: string): DigestVerdict {
    const creds = credentialsFrom(parseAuthorization(header));
    if (creds === null) return { ok: false, reason: 'missing' };
    if (creds === 'malformed' || creds === 'algorithm') return { ok: false, reason: creds };
    if (!this.algorithmsFor(userAgent).includes(creds.algorithm)) return { ok: false, reason: 'algorithm' };
    // A realm we never offered: the UA answered someone else's challenge (RFC 3261 §22.4: re-challenge).
    if (creds.realm !== this.opts.realm) return { ok: false, reason: 'realm' };
    const expected = expectedResponse(creds, method, password ?? this.decoy);
    const good = expected.length === creds.response.length && timingSafeEqual(Buffer.from(expected), Buffer.from(creds.response));
    if (password === undefined) return { ok: false, reason: 'unknown-user' };
    if (!good) return { ok: false, reason: 'bad-password' };
    const state = this.nonceState(creds.nonce);
    if (state === 'forged') return { ok: false, reason: 'forged-nonce' };
    if (state === 'stale' || !this.countIsNew(creds)) return { ok: false, reason: 'stale' };
    return { ok: true, username: creds.username };
  }

  /** The digest's username, for rate and ban bookkeeping before a verdict. */
  static usernameOf(header: string | undefined): string | null {
    return parseAuthorization(header)?.username ?? null;
  }

  /**
   * With qop, nc must grow for each request on one nonce; without qop (RFC
   * 2069 clients) a nonce is good for its lifetime, which the TTL bounds.
   */
  private countIsNew(c: DigestCredentials): boolean {
    if (!c.qop || !c.nc) return true;
    const key = `${c.nonce}:${c.cnonce ?? ''}`;
    const nc = parseInt(c.nc, 16);
    const seen = this.counts.get(key) ?? 0;
    if (nc <= seen) return false;
    this.counts.set(key, nc);
    if (this.counts.size > 50_000) {
      // Oldest first (insertion order); their nonces are long expired at any sane rate.
      for (const k of [...this.counts.keys()].slice(0, 10_000)) this.counts.delete(k);
    }
    return true;
  }
}
