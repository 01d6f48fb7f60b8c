import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { SwitchboardError } from '../../common/errors.js';
import { splitHostPort } from '../../common/config.js';
import { ConfigSchema, type Config } from './schema.js';
import { checkSipConfig } from '../../sip/config-check.js';
import { checkDirectoryConfig } from '../../domain/access/directory-config.js';
import { parseNetworks, isLoopback } from '../../common/address-allow.js';
import { prepareChannels } from '../../gateway/config-check.js';
import { settleListenTls } from '../http/tls-config.js';

export interface LoadOptions {
  /** Path of the YAML file; absent means embedded defaults. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/** Environment variables that override the file (documented in the README). */
const ENV_OVERRIDES = ['SWITCHBOARD_DATA_DIR', 'SWITCHBOARD_LISTEN', 'SWITCHBOARD_LOG_LEVEL', 'SWITCHBOARD_ALLOW', 'SWITCHBOARD_PUBLIC_LISTEN'] as const;

export function loadConfig(opts: LoadOptions = {}): Config {
  return loadConfigSource(opts).config;
}

/** The configuration with where it came from: the file (if any) and what the file and environment said, before defaults. */
export function loadConfigSource(opts: LoadOptions = {}): { config: Config; file: string | undefined; raw: Record<string, unknown> } {
  const env = opts.env ?? process.env;
  const file = opts.file ?? (env.SWITCHBOARD_CONFIG || undefined);
  const raw = file ? readYaml(file) : {};
  applyEnv(raw, env);
  return { config: validateConfig(raw, file ?? '(defaults)'), file, raw };
}

function readYaml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SwitchboardError('SWB_ERR_CONFIG_UNREADABLE', `${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, undefined, { cause: err });
  }
  try {
    const doc: unknown = parseYaml(text) ?? {};
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${file}: the document must be a mapping of keys, got ${Array.isArray(doc) ? 'a list' : typeof doc}`);
    }
    return doc as Record<string, unknown>;
  } catch (err) {
    if (err instanceof YAMLParseError) {
      throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${file}: not valid YAML at line ${err.linePos?.[0]?.line ?? '?'}: ${err.code}`, undefined, { cause: err });
    }
    throw err;
  }
}

function section(raw: Record<string, unknown>, key: string): Record<string, unknown> {
  const cur = raw[key];
  if (cur && typeof cur === 'object' && !Array.isArray(cur)) return cur as Record<string, unknown>;
  const fresh: Record<string, unknown> = {};
  raw[key] = fresh;
  return fresh;
}

function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  if (env.SWITCHBOARD_DATA_DIR) raw.dataDir = env.SWITCHBOARD_DATA_DIR;
  if (env.SWITCHBOARD_LOG_LEVEL) section(raw, 'log').level = env.SWITCHBOARD_LOG_LEVEL;
  if (env.SWITCHBOARD_ALLOW) section(raw, 'listen').allow = env.SWITCHBOARD_ALLOW.split(',').map((s) => s.trim()).filter(Boolean);
  if (env.SWITCHBOARD_PUBLIC_LISTEN !== undefined) section(raw, 'gateway').publicListen = env.SWITCHBOARD_PUBLIC_LISTEN || null;
  if (env.SWITCHBOARD_LISTEN) {
    const { host, port } = splitHostPort(env.SWITCHBOARD_LISTEN, 'SWITCHBOARD_LISTEN');
    Object.assign(section(raw, 'listen'), { host, port });
  }
}

export function validateConfig(raw: unknown, source: string): Config {
  const copy = structuredClone(raw) as Record<string, unknown>;
  if (copy && typeof copy === 'object') prepareChannels(copy, source);
  const withDefaults = Value.Default(ConfigSchema, copy);
  const first = innermost(Value.Errors(ConfigSchema, withDefaults).First());
  if (first) {
    const key = first.path.replace(/^\//, '').replace(/\//g, '.') || '(root)';
    if (first.type === ValueErrorType.ObjectAdditionalProperties) {
      const known = Object.keys((first.schema as { properties?: Record<string, unknown> }).properties ?? {});
      const near = closest(key.split('.').pop()!, known);
      const hint = near === null ? `known keys here: ${known.join(', ')}` : `did you mean ${[...key.split('.').slice(0, -1), near].join('.')}?`;
      throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${source}: ${key}: unknown key (${hint})`, { key, value: first.value, expected: 'a known key' });
    }
    const expected = (first.schema as { description?: string }).description ?? first.message.replace(/^Expected /i, '');
    const got = first.value === undefined ? 'nothing' : JSON.stringify(first.value);
    throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${source}: ${key}: got ${got}, expected ${expected}`, { key, value: first.value, expected });
  }
  const config = withDefaults as Config;
  checkSemantics(config, source);
  checkSipConfig(config, source);
  checkDirectoryConfig(config.access.directory, source);
  config.dataDir = path.resolve(config.dataDir);
  return config;
}

/**
 * A section that may be null or an object (access.directory) fails as a whole union, which would
 * name the section, echo all of it (secrets too) and expect "null, or …": report the object's own
 * first error instead, at its own key.
 */
function innermost(err: ValueError | undefined): ValueError | undefined {
  if (!err || err.type !== ValueErrorType.Union || !err.value || typeof err.value !== 'object' || Array.isArray(err.value)) return err;
  const shapes = ((err.schema as { anyOf?: TSchema[] }).anyOf ?? []).filter((m) => (m as { type?: string }).type === 'object');
  if (shapes.length !== 1) return err;
  // Defaults are not filled inside a union that failed: fill them, so only the real mistake is named.
  const inner = Value.Errors(shapes[0]!, Value.Default(shapes[0]!, structuredClone(err.value))).First();
  return inner ? innermost({ ...inner, path: `${err.path}${inner.path}` }) : err;
}

/** Rules a JSON schema cannot say: addresses that parse, and exposure beyond the box only with an allow-list. */
function checkSemantics(config: Config, source: string): void {
  const { host, allow, trustProxy } = config.listen;
  if (!isIP(host)) {
    throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${source}: listen.host: got ${JSON.stringify(host)}, expected an IP address`, { key: 'listen.host', value: host, expected: 'an IP address' });
  }
  checkNetworks(source, 'listen.allow', allow);
  if (trustProxy) checkNetworks(source, 'listen.trustProxy', trustProxy);
  // Behind a proxy the API reaches as far as the proxy does, whatever listen.host is.
  const exposure = !isLoopback(host) ? `listen.host (${host}) is not loopback` : trustProxy && trustProxy.length > 0 ? 'listen.trustProxy names a reverse proxy' : null;
  if (exposure && allow.length === 0) {
    throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${source}: listen.allow: got [], expected at least one client network when ${exposure}`, {
      key: 'listen.allow',
      value: allow,
      expected: 'at least one client network',
    });
  }
  settleListenTls(config.listen, source);
}

function checkNetworks(source: string, key: string, entries: readonly string[]): void {
  try {
    parseNetworks(entries);
  } catch (err) {
    const { value, expected } = (err as SwitchboardError).details as { value: string; expected: string };
    throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${source}: ${key}: got ${JSON.stringify(value)}, expected ${expected}`, { key, value, expected });
  }
}

export { ENV_OVERRIDES };

/** The known key a typo most likely meant: at most two edits away (or one per four letters), else none. */
export function closest(typed: string, known: string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(typed.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return bestDistance <= Math.max(2, Math.floor(typed.length / 4)) ? best : null;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
