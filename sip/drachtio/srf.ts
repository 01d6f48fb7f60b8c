import SrfLib from 'drachtio-srf';
import type { EventEmitter } from 'node:events';

/**
 * The slice of drachtio-srf the appliance uses, typed here: the package's own
 * declarations are partial (headers as plain strings, no cancel events on
 * UAC requests), and a narrow interface keeps the rest of sip/ honest about
 * what it depends on.
 */

export interface NameAddr {
  name?: string;
  uri: string;
  params: Record<string, string | null>;
}

export interface ParsedUri {
  scheme?: string;
  user?: string;
  host?: string;
  port?: string | number;
  params?: Record<string, string | null>;
}

export interface SipMessageLike {
  get(name: string): string | undefined;
  has(name: string): boolean;
  getParsedHeader(name: string): unknown;
  body: string;
}

export interface SipRequest extends SipMessageLike, EventEmitter {
  method: string;
  uri: string;
  source_address: string;
  source_port: number;
  protocol: string;
  /** drachtio-server's own address:port the request arrived on (drachtio-srf 5.x). */
  receivedOn?: string;
  stackDialogId?: string;
  stackTxnId?: string;
  callId?: string;
  cancel(callback?: (err: unknown) => void): void;
}

/**
 * The Contact to answer a request that came over TLS with. drachtio-server would put its `sips:` listen
 * URI there (sofia-sip opens a TLS port only for a sips: contact), and baresip 1.0 (libre 1.1.0) drops a
 * dialog whose remote target is sips: ("Function not implemented"); `sip:...;transport=tls` keeps the
 * dialog's later requests on TLS all the same (RFC 5630 §3.1.3 allows it). Nothing for other transports.
 */
export function tlsContactHeaders(req: Pick<SipRequest, 'protocol' | 'receivedOn'>): Record<string, string> {
  if (req.protocol !== 'tls' || !req.receivedOn) return {};
  return { Contact: `<sip:${req.receivedOn};transport=tls>` };
}

export interface SipResponse extends EventEmitter {
  status: number;
  reason?: string;
  finalResponseSent: boolean;
  get(name: string): string | undefined;
  has(name: string): boolean;
  body?: string;
  send(status: number, reason?: string | object, opts?: object, callback?: (err: unknown, msg: unknown) => void): void;
}

export interface Dialog extends EventEmitter {
  id: string;
  sip: { callId: string; localTag: string; remoteTag: string };
  local: { uri: string; sdp: string };
  remote: { uri: string; sdp: string };
  connected: boolean;
  destroy(opts?: { headers?: Record<string, string> }): Promise<unknown>;
  modify(sdp: string): Promise<string>;
  request(opts: { method: string; headers?: Record<string, string>; body?: string }): Promise<SipResponse>;
}

export type Middleware = (req: SipRequest, res: SipResponse, next: (err?: unknown) => void) => void;

export interface UacOptions {
  headers?: Record<string, string>;
  localSdp?: string;
  /** With no localSdp: drachtio-srf's third-party call control. The 200's SDP is an offer and createUAC resolves with a LateOffer. */
  noAck?: boolean;
  proxy?: string;
  auth?: { username: string; password: string };
}

/**
 * A callee that answered an INVITE sent without SDP (RFC 3725 flow I): its
 * 200 carries the offer; ack() sends the answer and makes the dialog, destroy()
 * ACKs and hangs up a leg that is no longer wanted.
 */
export interface LateOffer {
  sdp: string;
  ack(localSdp: string): Promise<Dialog>;
  destroy(): Promise<void>;
}

export interface UacProgress {
  cbRequest?: (err: unknown, req: SipRequest) => void;
  cbProvisional?: (res: SipResponse) => void;
}

export interface Srf extends EventEmitter {
  connect(opts: Record<string, unknown>): unknown;
  disconnect(): void;
  use(fn: Middleware): void;
  use(method: string, fn: Middleware): void;
  createUAS(req: SipRequest, res: SipResponse, opts: { localSdp: string; headers?: Record<string, string> }): Promise<Dialog>;
  /** Resolves with a Dialog, or a LateOffer when opts has noAck and no localSdp (the caller says which it asked for). */
  createUAC<D extends Dialog | LateOffer = Dialog>(uri: string, opts: UacOptions, progress?: UacProgress): Promise<D>;
  request(uri: string, opts: { method: string; headers?: Record<string, string>; body?: string; auth?: { username: string; password: string } }): Promise<SipRequest>;
  readonly app: { client?: unknown };
}

export interface SipErrorLike {
  status?: number;
  reason?: string;
}

export function newSrf(): Srf {
  return new SrfLib() as unknown as Srf;
}

export const parseUri = (uri: string): ParsedUri | undefined => (SrfLib as unknown as { parseUri(u: string): ParsedUri | undefined }).parseUri(uri);

/** A final status from a drachtio-srf rejection (SipError), or null for other failures. */
export function sipStatusOf(err: unknown): number | null {
  const s = (err as SipErrorLike | null)?.status;
  return typeof s === 'number' ? s : null;
}
