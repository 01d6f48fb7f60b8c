/**
 * Hold as SDP says it (RFC 3264 §8.4, and RFC 2543's c=0.0.0.0 that older
 * phones still send): what an anchored call reads from one phone's re-INVITE
 * and writes into the media server's SDP for the other phone, which the media
 * server never re-INVITEs by itself.
 */
export function isHold(sdp: string): boolean {
  return /^a=(sendonly|inactive)\s*$/im.test(sdp) || /^c=IN IP4 0\.0\.0\.0\s*$/im.test(sdp);
}

/** The session version of the o= line (RFC 4566 §5.2), or null. */
export function sdpVersion(sdp: string): number | null {
  const m = /^o=\S+ \S+ (\d+) /m.exec(sdp);
  return m ? Number(m[1]) : null;
}

/**
 * `sdp` with one direction attribute for every media line and the o= version set: a changed offer
 * must carry a higher version than the last one the phone got (RFC 3264 §8), or it ignores it.
 */
export function withDirection(sdp: string, direction: 'sendonly' | 'sendrecv', version: number): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(/\r?\n/).filter((l) => !/^a=(sendrecv|sendonly|recvonly|inactive)\s*$/.test(l));
  const out: string[] = [];
  for (const line of lines) {
    out.push(line.startsWith('o=') ? line.replace(/^(o=\S+ \S+ )\d+/, `$1${version}`) : line);
    if (line.startsWith('m=')) out.push(`a=${direction}`);
  }
  return out.join(eol);
}

export type Leg = 'caller' | 'callee';

/**
 * Who holds whom on an anchored call, and the SDP version each phone last got. Each phone talks to its
 * own media server channel, so a hold from one is answered there and the media server plays music to the
 * other; this tells the other phone too (the media server's SDP for it, sendonly while held), and only
 * when the hold state changes: a codec change stays between a phone and its channel.
 */
export class HoldTracker {
  private readonly holding: Record<Leg, boolean> = { caller: false, callee: false };
  private readonly versions: Record<Leg, number> = { caller: 0, callee: 0 };

  /** The SDP a phone got in the INVITE or 200: later offers to it must carry a higher version. */
  sent(to: Leg, sdp: string): void {
    this.versions[to] = Math.max(this.versions[to], sdpVersion(sdp) ?? 0);
  }

  /** A re-INVITE from `from`; returns the offer for the other phone (its server SDP) or null when nothing changed. */
  offerFor(from: Leg, offer: string, otherServerSdp: string): string | null {
    const held = isHold(offer);
    if (held === this.holding[from]) return null;
    this.holding[from] = held;
    const to: Leg = from === 'caller' ? 'callee' : 'caller';
    const version = Math.max(this.versions[to], sdpVersion(otherServerSdp) ?? 0) + 1;
    this.versions[to] = version;
    return withDirection(otherServerSdp, held ? 'sendonly' : 'sendrecv', version);
  }
}
