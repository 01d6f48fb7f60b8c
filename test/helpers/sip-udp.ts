import { createSocket, type Socket } from 'node:dgram';
import { createHash, randomBytes } from 'node:crypto';

/**
 * A bare SIP-over-UDP user agent for what SIPp cannot do: SHA-256 digests,
 * credentials for another realm, replayed Authorization headers, raw bytes.
 */
export interface SipReply {
  status: number;
  raw: string;
  header(name: string): string[];
}

export function parseReply(raw: string): SipReply {
  const status = Number(/^SIP\/2\.0 (\d{3})/.exec(raw)?.[1] ?? 0);
  return {
    status,
    raw,
    header(name) {
      const re = new RegExp(`^${name}:\\s*(.*)$`, 'gim');
      return [...raw.split('\r\n\r\n')[0]!.matchAll(re)].map((m) => m[1]!.trim());
    },
  };
}

export class UdpPhone {
  private constructor(
    readonly socket: Socket,
    readonly port: number,
    private readonly target: { host: string; port: number },
    readonly address: string,
  ) {}

  /** Bound to `address` (any of 127.0.0.0/8), so tests can play several source addresses on one machine. */
  static async open(targetPort: number, address = '127.0.0.1'): Promise<UdpPhone> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, address, () => r()));
    return new UdpPhone(s, s.address().port, { host: '127.0.0.1', port: targetPort }, address);
  }

  close(): void {
    this.socket.close();
  }

  sendRaw(bytes: Buffer | string): void {
    this.socket.send(typeof bytes === 'string' ? Buffer.from(bytes) : bytes, this.target.port, this.target.host);
  }

  /** The next final response (>= 200) whose Call-ID matches, or null after timeoutMs. */
  waitFinal(callId: string | null, timeoutMs = 3000): Promise<SipReply | null> {
    return new Promise((resolve) => {
      const onMsg = (buf: Buffer): void => {
        const raw = buf.toString('latin1');
        const reply = parseReply(raw);
        if (reply.status < 200) return;
        if (callId && !raw.includes(`Call-ID: ${callId}`) && !raw.toLowerCase().includes(`call-id: ${callId.toLowerCase()}`)) return;
        done(reply);
      };
      const timer = setTimeout(() => done(null), timeoutMs);
      const done = (r: SipReply | null): void => {
        clearTimeout(timer);
        this.socket.off('message', onMsg);
        resolve(r);
      };
      this.socket.on('message', onMsg);
    });
  }

  register(o: { user: string; callId: string; cseq: number; expires?: number; contact?: string; authorization?: string; userAgent?: string }): string {
    const lines = [
      `REGISTER sip:127.0.0.1:${this.target.port} SIP/2.0`,
      `Via: SIP/2.0/UDP ${this.address}:${this.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      `From: <sip:${o.user}@127.0.0.1>;tag=${randomBytes(4).toString('hex')}`,
      `To: <sip:${o.user}@127.0.0.1>`,
      `Call-ID: ${o.callId}`,
      `CSeq: ${o.cseq} REGISTER`,
      `Contact: ${o.contact ?? `<sip:${o.user}@${this.address}:${this.port}>`}`,
      `Max-Forwards: 70`,
      `Expires: ${o.expires ?? 300}`,
      ...(o.userAgent ? [`User-Agent: ${o.userAgent}`] : []),
      ...(o.authorization ? [`Authorization: ${o.authorization}`] : []),
      'Content-Length: 0',
      '',
      '',
    ];
    const msg = lines.join('\r\n');
    this.sendRaw(msg);
    return msg;
  }

  async registerAndWait(o: Parameters<UdpPhone['register']>[0], timeoutMs = 3000): Promise<SipReply | null> {
    const reply = this.waitFinal(o.callId, timeoutMs);
    this.register(o);
    return reply;
  }
}

/** Parses one WWW-Authenticate value into its fields. */
export function challengeFields(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of value.replace(/^Digest\s+/i, '').matchAll(/([a-z-]+)=(?:"([^"]*)"|([^,\s]+))/gi)) out[m[1]!.toLowerCase()] = m[2] ?? m[3]!;
  return out;
}

/** An Authorization value for a challenge, with the algorithm and realm the test chooses. */
export function digestAuthorization(o: { user: string; password: string; realm: string; nonce: string; uri: string; method: string; algorithm: 'MD5' | 'SHA-256'; nc?: string; cnonce?: string }): string {
  const h = (s: string): string => createHash(o.algorithm === 'MD5' ? 'md5' : 'sha256').update(s).digest('hex');
  const nc = o.nc ?? '00000001';
  const cnonce = o.cnonce ?? randomBytes(8).toString('hex');
  const response = h(`${h(`${o.user}:${o.realm}:${o.password}`)}:${o.nonce}:${nc}:${cnonce}:auth:${h(`${o.method}:${o.uri}`)}`);
  return `Digest username="${o.user}", realm="${o.realm}", nonce="${o.nonce}", uri="${o.uri}", response="${response}", algorithm=${o.algorithm}, qop=auth, nc=${nc}, cnonce="${cnonce}"`;
}
