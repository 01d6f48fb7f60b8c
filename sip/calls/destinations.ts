import type { TrunkConfig } from '../config.js';
import type { BindingStore, Binding } from '../registrar/bindings.js';
import type { Extension } from '../registrar/directory.js';
import type { Destination } from './fork.js';
import { parseUri } from '../drachtio/srf.js';

/**
 * Turns a route into SIP destinations: every live contact of every extension
 * (so a desk phone and a softphone on one extension both ring), or the trunk.
 */
export class DestinationResolver {
  constructor(private readonly bindings: BindingStore) {}

  forExtensions(extensions: Extension[]): Destination[] {
    const out: Destination[] = [];
    for (const ext of extensions) {
      for (const b of this.bindings.contactsOf(ext.number)) {
        // A binding made over UDP or TCP before the extension became tls-only is never rung.
        if (ext.transport === 'tls-only' && !/^tls\//i.test(b.received)) continue;
        out.push(toDestination(b));
      }
    }
    return out;
  }

  forTrunk(trunk: TrunkConfig, number: string): Destination {
    return { uri: `sip:${number}@${hostPort(trunk.host, trunk.port)}${trunk.transport === 'tcp' ? ';transport=tcp' : ''}`, extension: null };
  }
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * A contact behind NAT names an address nobody can reach; the REGISTER's
 * source address is where the phone's NAT binding is (RFC 5626's idea
 * without its machinery). When the addresses differ, send there as an outbound proxy.
 */
function toDestination(b: Binding): Destination {
  const d: Destination = { uri: b.contact, extension: b.extension };
  const m = /^(udp|tcp|tls|ws|wss)\/(.+):(\d+)$/i.exec(b.received);
  if (!m) return d;
  const [, proto, addr, port] = m;
  // Registered over TLS: reached over TLS, on the connection it registered on (sofia-sip reuses an open
  // connection to that address), whatever its Contact says; a phone rarely accepts TLS connections itself.
  if (proto!.toLowerCase() === 'tls') {
    d.proxy = `sip:${hostPort(addr!, Number(port))};transport=tls`;
    return d;
  }
  // Same address, other port: a phone registering for another of its own sockets (or a test tool); trust the Contact.
  if (parseUri(b.contact)?.host?.replace(/^\[|\]$/g, '') === addr) return d;
  d.proxy = `sip:${hostPort(addr!, Number(port))};transport=${proto!.toLowerCase()}`;
  return d;
}
