import type { TrunkConfig } from '../config.js';
import type { Extension, ExtensionDirectory } from '../registrar/directory.js';
import { toE164, type NumberingPlan } from '../numbers.js';

/** Who placed the call: an authenticated extension, or a trunk (recognised by address). */
export type Origin = { kind: 'extension'; extension: Extension } | { kind: 'trunk'; trunk: TrunkConfig; callerE164: string | null; callerRaw: string };

export type Route =
  /** Ring every listed extension (one for a direct call, a department for a ring group), first answer wins. */
  | { kind: 'extensions'; extensions: Extension[]; direction: 'in' | 'internal'; via: 'extension' | 'department' | 'fallback' }
  | { kind: 'trunk'; trunk: TrunkConfig; number: string; e164: string | null; callerId: string }
  | { kind: 'reject'; status: 404 | 403 | 484 | 480; reason: string };

/**
 * Where a new call goes. Pure: no SIP, no store writes, so every branch is a
 * unit test. Registration state is not its business: an extension with no
 * live contact is the forker's 480.
 */
export class CallRouter {
  constructor(
    private readonly directory: ExtensionDirectory,
    private readonly trunks: TrunkConfig[],
    private readonly fallback: string | null,
    private readonly plan: NumberingPlan,
  ) {}

  route(origin: Origin, dialled: string): Route {
    return origin.kind === 'trunk' ? this.inbound(origin.trunk) : this.fromExtension(origin.extension, dialled);
  }

  /** Extension first (an extension number beats a trunk prefix it happens to start with), then trunk prefixes, longest first. */
  private fromExtension(caller: Extension, dialled: string): Route {
    if (!/^[0-9*#+]{1,32}$/.test(dialled)) return { kind: 'reject', status: 484, reason: 'Address Incomplete' };
    const callee = this.directory.get(dialled);
    if (callee) {
      if (callee.number === caller.number) return { kind: 'reject', status: 403, reason: 'Calling Yourself' };
      return { kind: 'extensions', extensions: [callee], direction: 'internal', via: 'extension' };
    }
    const trunk = [...this.trunks].sort((a, b) => b.prefix.length - a.prefix.length).find((t) => dialled.startsWith(t.prefix) && dialled.length > t.prefix.length);
    if (trunk) {
      const number = dialled.slice(trunk.prefix.length);
      return { kind: 'trunk', trunk, number, e164: toE164(number, this.plan), callerId: trunk.callerId ?? caller.number };
    }
    return { kind: 'reject', status: 404, reason: 'Not Found' };
  }

  /**
   * A number an operator asked the console to call (click-to-call): read as a
   * phone number by the numbering plan and sent, in E.164, out through the
   * first configured trunk; no dial prefix is involved.
   */
  toNumber(caller: Extension, to: string): Route {
    const e164 = toE164(to, this.plan);
    if (!e164) return { kind: 'reject', status: 484, reason: 'Address Incomplete' };
    const trunk = this.trunks[0];
    if (!trunk) return { kind: 'reject', status: 404, reason: 'Not Found' };
    return { kind: 'trunk', trunk, number: e164, e164, callerId: trunk.callerId ?? caller.number };
  }

  /** A trunk's calls ring its `inbound` target: an extension number, or a department's ring group; else the fallback. */
  private inbound(trunk: TrunkConfig): Route {
    const target = this.target(trunk.inbound, 'in');
    if (target) return target;
    const fb = this.fallback ? this.target(this.fallback, 'in') : null;
    if (fb) return { ...fb, via: 'fallback' } as Route;
    return { kind: 'reject', status: 480, reason: 'Temporarily Unavailable' };
  }

  /** Extensions that a target names; used again by the forker's fallback when nobody in a group is registered. */
  target(name: string, direction: 'in' | 'internal'): Extract<Route, { kind: 'extensions' }> | null {
    const ext = this.directory.get(name);
    if (ext) return { kind: 'extensions', extensions: [ext], direction, via: 'extension' };
    const group = this.directory.inDepartment(name);
    if (group.length) return { kind: 'extensions', extensions: group, direction, via: 'department' };
    return null;
  }

  get fallbackTarget(): string | null {
    return this.fallback;
  }
}
