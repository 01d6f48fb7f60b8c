import type { TrunkConfig } from '../config.js';

/**
 * An INVITE from a trunk's host and port is a trunk call (providers do not
 * authenticate to their customers; their address is their identity). Anything
 * else claims to be an extension and must prove it with a digest.
 */
export class TrunkMatcher {
  private readonly byAddress = new Map<string, TrunkConfig>();

  constructor(trunks: TrunkConfig[]) {
    for (const t of trunks) this.byAddress.set(`${t.host}|${t.port}`, t);
  }

  match(address: string, port: number): TrunkConfig | undefined {
    return this.byAddress.get(`${address}|${port}`);
  }

  /** Every trunk address: never rate-limited or banned (one provider carries every inbound call). */
  addresses(): string[] {
    return [...new Set([...this.byAddress.values()].map((t) => t.host))];
  }
}
