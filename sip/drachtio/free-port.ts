import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { SwitchboardError } from '../../common/errors.js';

/**
 * A port free for both TCP and UDP on the host: drachtio binds its SIP contact
 * on UDP (and TCP when asked), and its admin socket on TCP. Asking the kernel
 * for an ephemeral TCP port and then checking UDP avoids collisions between
 * test files that run in parallel.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, host, () => {
        const addr = srv.address();
        srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
      });
    });
    if (port && (await udpFree(host, port))) return port;
  }
  throw new SwitchboardError('SWB_ERR_INTERNAL', `no port free for both TCP and UDP on ${host}`);
}

function udpFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, host, () => s.close(() => resolve(true)));
  });
}
