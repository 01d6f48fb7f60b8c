import { BlockList, isIP } from 'node:net';
import { SwitchboardError } from './errors.js';

function badEntry(entry: string, expected: string): SwitchboardError {
  return new SwitchboardError('SWB_ERR_CONFIG_INVALID', `got ${JSON.stringify(entry)}, expected ${expected}`, { value: entry, expected });
}

/** The networks allowed to reach the local API when it binds beyond loopback. */
export function parseNetworks(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [addr, bits] = entry.split('/') as [string, string | undefined];
    const family = isIP(addr);
    if (family === 0) throw badEntry(entry, 'an address or CIDR');
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) {
      list.addAddress(addr, type);
      continue;
    }
    const prefix = Number(bits);
    if (!/^\d{1,3}$/.test(bits) || prefix > (family === 6 ? 128 : 32)) {
      throw badEntry(entry, `a prefix length up to ${family === 6 ? 128 : 32}`);
    }
    list.addSubnet(addr, prefix, type);
  }
  return list;
}

export function isLoopback(address: string): boolean {
  const plain = stripMapped(address);
  return plain === '::1' || plain.startsWith('127.');
}

/** Node reports IPv4 peers on a dual-stack socket as ::ffff:a.b.c.d. */
export function stripMapped(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** Loopback peers are always allowed: the CLI and local tools live on the box. */
export function makeAddressCheck(allow: readonly string[]): (remote: string | undefined) => boolean {
  const list = parseNetworks(allow);
  return (remote) => {
    if (!remote) return false;
    const plain = stripMapped(remote);
    // A proxy can forward a hop that is not an address at all: no network holds it.
    const family = isIP(plain);
    if (family === 0) return false;
    if (isLoopback(plain)) return true;
    return list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  };
}
