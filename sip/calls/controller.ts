import type { Logger } from 'pino';
import type { SipRequest, SipResponse } from '../drachtio/srf.js';
import type { RequestAuthenticator } from '../auth/request-auth.js';
import type { SipConfig, TrunkConfig } from '../config.js';
import { parseUri } from '../drachtio/srf.js';
import { displayNameOf, userOf } from '../registrar/contact-header.js';
import { dialledDigits, toE164 } from '../numbers.js';
import type { CallRouter, Origin, Route } from './router.js';
import type { TrunkMatcher } from './origin.js';
import type { DestinationResolver } from './destinations.js';
import type { CallRecord, CallDirection } from './call-record.js';
import type { Destination } from './fork.js';
import { CallAttempt, type AttemptPlan } from './call-attempt.js';
import type { AttemptDeps } from './b2bua-call.js';
import type { ClickToCallPlan } from './click-to-call.js';
import type { Extension } from '../registrar/directory.js';
import { decideRecording, type CallParties, type DepartmentPolicyLookup } from './recording-policy.js';
import { resolveSecretValue } from '../../common/config.js';
import { SwitchboardError } from '../../common/errors.js';

/**
 * New INVITEs (re-INVITEs and BYEs inside a dialog never get here: drachtio-srf
 * hands those to the dialog). Decides who is calling and where the call goes,
 * builds the call record and the B-leg headers, and hands over to a CallAttempt.
 */
export class CallController {
  constructor(
    private readonly cfg: SipConfig['calls'],
    private readonly trunks: TrunkMatcher,
    private readonly auth: RequestAuthenticator,
    private readonly router: CallRouter,
    private readonly destinations: DestinationResolver,
    private readonly departments: DepartmentPolicyLookup,
    private readonly attemptDeps: AttemptDeps,
    private readonly logger: Logger,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async handle(req: SipRequest, res: SipResponse): Promise<void> {
    try {
      const origin = await this.origin(req, res);
      if (!origin) return;
      const dialled = dialledDigits(parseUri(req.uri)?.user);
      const route = this.router.route(origin, dialled);
      if (route.kind === 'reject' && origin.kind === 'extension') {
        res.send(route.status, route.reason);
        return;
      }
      const plan = this.plan(req, origin, route, dialled);
      await new CallAttempt(this.attemptDeps, req, res, plan).run();
    } catch (err) {
      this.logger.error({ err }, 'INVITE handling failed');
      if (!res.finalResponseSent) res.send(500);
    }
  }

  private async origin(req: SipRequest, res: SipResponse): Promise<Origin | null> {
    const trunk = this.trunks.match(req.source_address, req.source_port);
    if (trunk) {
      const raw = userOf(req.get('From')) ?? 'anonymous';
      return { kind: 'trunk', trunk, callerRaw: raw, callerE164: toE164(raw, this.cfg) };
    }
    const result = await this.auth.check(req, res, 'From');
    return result.outcome === 'ok' && result.extension ? { kind: 'extension', extension: result.extension } : null;
  }

  /** A new call's record, ringing, with the recording policy of everyone in it decided. */
  private newRecord(sipCallId: string, direction: CallDirection, from: string, to: string, extension: string | null, trunk: string | null, parties: CallParties): CallRecord {
    const { record, announce, because } = decideRecording(parties, this.departments);
    return {
      id: this.attemptDeps.log.newId(),
      sipCallId,
      direction,
      from,
      to,
      extension,
      trunk,
      rung: (parties.callees ?? []).map((e) => e.number),
      departments: parties.departments ?? [],
      clientId: null,
      state: 'ringing',
      start: new Date().toISOString(),
      answer: null,
      end: null,
      durationSec: 0,
      outcome: null,
      sipCause: null,
      endReason: null,
      // Only calls to be recorded are anchored; the rest stay phone to phone whatever the backend.
      media: { anchor: record ? this.attemptDeps.media.name : 'direct', recordRequested: record, announce, because },
      recording: null,
      historyEventId: null,
    };
  }

  private trunkAuth(trunk: TrunkConfig): { username: string; password: string } | undefined {
    if (!trunk.username || !trunk.password) return undefined;
    return { username: trunk.username, password: resolveSecretValue(trunk.password, `trunks.${trunk.id}.password`, this.env) };
  }

  /**
   * A click-to-call from an operator's own extension to a number: their phone
   * rings first (told whom it will reach), then the number, out through a trunk
   * with the caller-id policy of an outbound call. Refused (a SwitchboardError)
   * when no trunk can carry the number.
   */
  planClickToCall(caller: Extension, to: string): ClickToCallPlan {
    const route = this.router.toNumber(caller, to);
    if (route.kind !== 'trunk') throw new SwitchboardError('SWB_ERR_VALIDATION', route.kind === 'reject' && route.status === 404 ? 'no trunk is configured to call out' : `${JSON.stringify(to)} is not a phone number a trunk can call`, { field: 'to' });
    const shown = (route.e164 ?? route.number).replace(/[^0-9+]/g, '');
    const auth = this.trunkAuth(route.trunk);
    return {
      // There is no caller's INVITE: both legs are ours, so no caller Call-ID either.
      record: this.newRecord('', 'out', route.callerId, route.e164 ?? route.number, caller.number, route.trunk.id, { caller, trunk: route.trunk }),
      phone: this.destinations.forExtensions([caller]),
      callee: this.destinations.forTrunk(route.trunk, route.number),
      phoneHeaders: { From: `"${shown}" <sip:${shown}@localhost>` },
      calleeHeaders: { 'Content-Type': 'application/sdp', From: `<sip:${route.callerId}@localhost>` },
      ...(auth ? { auth } : {}),
    };
  }

  private plan(req: SipRequest, origin: Origin, route: Route, dialled: string): AttemptPlan {
    const sipCallId = req.get('Call-ID') ?? '';
    const base = (direction: CallDirection, from: string, to: string, extension: string | null, trunk: string | null, parties: CallParties): CallRecord => this.newRecord(sipCallId, direction, from, to, extension, trunk, parties);
    const sdpHeaders = { 'Content-Type': 'application/sdp' };

    if (origin.kind === 'trunk') {
      const from = origin.callerE164 ?? origin.callerRaw;
      const to = toE164(dialled, this.cfg) ?? dialled;
      let dests: Destination[] = route.kind === 'extensions' ? this.destinations.forExtensions(route.extensions) : [];
      // Nobody of the target is registered: ring the fallback rather than fail the caller.
      const fallback = this.router.fallbackTarget ? this.router.target(this.router.fallbackTarget, 'in') : null;
      const rung = route.kind === 'extensions' ? [...route.extensions] : [];
      const fallbackRang = dests.length === 0 && fallback !== null;
      if (fallbackRang) {
        dests = this.destinations.forExtensions(fallback.extensions);
        rung.push(...fallback.extensions);
      }
      const single = route.kind === 'extensions' && route.extensions.length === 1 ? route.extensions[0]!.number : null;
      const name = displayNameOf(req.get('From'));
      return {
        record: base('in', from, to, single, origin.trunk.id, { callees: rung, departments: this.targetDepartments(origin.trunk.inbound, route, fallback, fallbackRang), trunk: origin.trunk }),
        destinations: dests,
        headers: { ...sdpHeaders, From: `${name ? `"${name.replace(/"/g, '')}" ` : ''}<sip:${from}@localhost>` },
      };
    }

    const caller = origin.extension;
    if (route.kind === 'trunk') {
      const trunk = route.trunk;
      const plan: AttemptPlan = {
        record: base('out', route.callerId, route.e164 ?? route.number, caller.number, trunk.id, { caller, trunk }),
        destinations: [this.destinations.forTrunk(trunk, route.number)],
        // Caller-id policy: the trunk's configured number, else the extension's own (router decides).
        headers: { ...sdpHeaders, From: `<sip:${route.callerId}@localhost>` },
      };
      const auth = this.trunkAuth(trunk);
      if (auth) plan.auth = auth;
      return plan;
    }
    if (route.kind !== 'extensions') throw new SwitchboardError('SWB_ERR_INTERNAL', `route ${route.kind} for an extension`);
    const callee = route.extensions[0]!;
    return {
      record: base('internal', caller.number, callee.number, callee.number, null, { caller, callees: route.extensions }),
      destinations: this.destinations.forExtensions(route.extensions),
      headers: { ...sdpHeaders, From: `"${(caller.name || caller.number).replace(/"/g, '')}" <sip:${caller.number}@localhost>` },
    };
  }

  /** The departments a trunk call was addressed to: its inbound target, and the fallback when it rang, where these name a ring group rather than an extension. */
  private targetDepartments(inbound: string, route: Route, fallback: Extract<Route, { kind: 'extensions' }> | null, fallbackRang: boolean): string[] {
    const out: string[] = [];
    if (route.kind === 'extensions' && route.via === 'department') out.push(inbound);
    const fallbackIsGroup = fallback?.via === 'department' && this.router.fallbackTarget;
    if (fallbackIsGroup && (fallbackRang || (route.kind === 'extensions' && route.via === 'fallback'))) out.push(this.router.fallbackTarget!);
    return out;
  }
}
