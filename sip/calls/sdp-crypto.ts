/**
 * The SDES keys of an SDP (RFC 4568 `a=crypto` lines), in order: what a party
 * encrypts its own media with. Two SDPs of one party with different keys mean
 * that party re-keyed, and whoever decrypts its media must be told.
 */
export function sdesKeys(sdp: string): string[] {
  return [...sdp.matchAll(/^a=crypto:\d+\s+\S+\s+inline:([^\s|]+)/gm)].map((m) => m[1]!);
}

export function sameSdesKeys(a: string, b: string): boolean {
  return sdesKeys(a).join(' ') === sdesKeys(b).join(' ');
}
