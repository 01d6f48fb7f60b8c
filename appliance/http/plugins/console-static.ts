import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { SwitchboardError } from '../../../common/errors.js';

/**
 * Strict for the console's own pages: scripts and styles only from this origin
 * (no inline script, no CDN, no web font), data: only for images (the TOTP QR
 * code), and no framing at all.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

interface Asset {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
}

/** The package root (where package.json is), from wherever this file was compiled to. */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new SwitchboardError('SWB_ERR_INTERNAL', 'package.json not found above the console plugin');
    dir = up;
  }
  return dir;
}

export function consoleDir(): string {
  return path.join(packageRoot(), 'dist', 'console');
}

function load(file: string): Asset {
  const body = readFileSync(file);
  const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
  const gz = /^(text|image\/svg)/.test(type) && body.length > 512 ? gzipSync(body, { level: 9 }) : null;
  return { body, gzip: gz && gz.length < body.length ? gz : null, type };
}

/** Read once at start: the built console is a few files, immutable until the next release. */
function loadConsole(dir: string): { index: Asset; assets: Map<string, Asset> } | null {
  if (!existsSync(path.join(dir, 'index.html'))) return null;
  const assets = new Map<string, Asset>();
  const assetDir = path.join(dir, 'assets');
  if (existsSync(assetDir)) for (const name of readdirSync(assetDir)) assets.set(name, load(path.join(assetDir, name)));
  return { index: load(path.join(dir, 'index.html')), assets };
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset, cache: string): FastifyReply {
  reply.header('content-type', asset.type).header('cache-control', cache).header('content-security-policy', CONSOLE_CSP).header('vary', 'accept-encoding');
  const gzip = asset.gzip && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  if (gzip) reply.header('content-encoding', 'gzip');
  return reply.send(gzip ? asset.gzip : asset.body);
}

export interface ConsoleStaticOptions {
  /** Where the built console is; dist/console of this package by default. */
  dir?: string;
}

/**
 * The operator console at / of the local listener. index.html is never cached
 * (it names the current assets); the assets carry a content hash in their name,
 * so they are cached for a year and never revalidated. A deep link
 * (/c/<conversation>, /call/<call>, /clients/<id>, /supervisor, /admin, /audit) gets index.html too: the API decides what it may show.
 */
async function consoleStatic(app: FastifyInstance, opts: ConsoleStaticOptions): Promise<void> {
  const dir = opts.dir ?? consoleDir();
  const built = loadConsole(dir);
  if (!built) app.log.warn({ dir }, 'the operator console is not built (npm run build); / answers 503');

  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!built) return reply.status(503).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send('The operator console is not built: run npm run build.\n');
    return send(request, reply, built.index, 'no-store');
  };
  app.get('/', { config: { roles: 'public' } }, page);
  app.get('/c/:id', { config: { roles: 'public' } }, page);
  app.get('/call/:id', { config: { roles: 'public' } }, page);
  // The console's other pages: the page is the same for everyone, the API behind it decides by role.
  for (const url of ['/clients/:id', '/supervisor', '/admin', '/audit']) app.get(url, { config: { roles: 'public' } }, page);
  app.get('/assets/:name', { config: { roles: 'public' } }, async (request, reply) => {
    const asset = built?.assets.get((request.params as { name: string }).name);
    if (!asset) return reply.status(404).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send('Not found\n');
    return send(request, reply, asset, 'public, max-age=31536000, immutable');
  });
}

export default fp(consoleStatic, { name: 'swb-console-static', dependencies: ['swb-auth'], encapsulate: true });
