import { statSync } from 'node:fs';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConfigSchema, type Config } from './schema.js';
import { resolveSecretValue, type SecretRef } from '../../common/config.js';

/** A file holding a secret that every user on the box can read. */
export interface Exposure {
  kind: 'config' | 'secret-file';
  file: string;
  /** e.g. '0644' */
  mode: string;
  /** The configuration keys whose secrets it exposes. */
  keys: string[];
}

type Node = TSchema & { anyOf?: Node[]; properties?: Record<string, Node>; items?: Node; type?: string };

function members(schema: Node): Node[] {
  return schema.anyOf ? schema.anyOf.flatMap(members) : [schema];
}

/** A secret's place in the schema: wherever {file: PATH} and {env: NAME} are both offered (sip/config.ts, gateway/config.ts). */
function isSecretSlot(schema: Node): boolean {
  const all = members(schema);
  return all.some((m) => m.properties?.file !== undefined) && all.some((m) => m.properties?.env !== undefined);
}

/** Every configured secret with its key, found by walking the schema beside the validated configuration. */
function secretRefs(schema: Node, value: unknown, key: string[], out: Array<{ key: string[]; ref: SecretRef }>): void {
  if (value === undefined || value === null) return;
  if (isSecretSlot(schema)) {
    out.push({ key, ref: value as SecretRef });
    return;
  }
  if (schema.anyOf) {
    const match = members(schema).find((m) => Value.Check(m, value));
    if (match) secretRefs(match, value, key, out);
    return;
  }
  if (schema.type === 'array' && schema.items && Array.isArray(value)) value.forEach((v, i) => secretRefs(schema.items!, v, [...key, String(i)], out));
  else if (schema.type === 'object' && schema.properties && typeof value === 'object') {
    for (const [k, s] of Object.entries(schema.properties)) secretRefs(s, (value as Record<string, unknown>)[k], [...key, k], out);
  }
}

function secretsOf(config: Config): Array<{ key: string[]; ref: SecretRef }> {
  const refs: Array<{ key: string[]; ref: SecretRef }> = [];
  secretRefs(ConfigSchema as Node, config, [], refs);
  return refs;
}

/**
 * Read every {file} and {env} secret once, as the modules will: a missing or
 * unreadable one is a configuration error (exit 78) found at start and by
 * `config check`, not later at the first call or webhook that needs it.
 */
export function resolveSecrets(config: Config, env: NodeJS.ProcessEnv = process.env): number {
  const refs = secretsOf(config);
  for (const { key, ref } of refs) resolveSecretValue(ref, key.join('.'), env);
  return refs.length;
}

function writtenIn(raw: unknown, key: string[]): boolean {
  let cur = raw;
  for (const k of key) {
    if (!cur || typeof cur !== 'object') return false;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur !== undefined;
}

/** The mode as octal when others may read the file; null when they may not or it cannot be stat'ed (its reader reports that). */
function worldReadable(file: string): string | null {
  try {
    const mode = statSync(file).mode & 0o777;
    return mode & 0o004 ? mode.toString(8).padStart(4, '0') : null;
  } catch {
    return null;
  }
}

/**
 * Files that give the configuration's secrets to every user: the config file
 * itself when secrets are written inline in it (a default such as the drachtio
 * secret is not in the file), and each {file: PATH} a secret names.
 */
export function findExposures(file: string | undefined, raw: unknown, config: Config): Exposure[] {
  const refs = secretsOf(config);
  const found: Exposure[] = [];
  const inline = refs.filter((r) => typeof r.ref === 'string' && writtenIn(raw, r.key)).map((r) => r.key.join('.'));
  const configMode = file && inline.length ? worldReadable(file) : null;
  if (file && configMode) found.push({ kind: 'config', file, mode: configMode, keys: inline });
  const byFile = new Map<string, Exposure>();
  for (const { key, ref } of refs) {
    if (typeof ref !== 'object' || !('file' in ref)) continue;
    const seen = byFile.get(ref.file);
    if (seen) {
      seen.keys.push(key.join('.'));
      continue;
    }
    const mode = worldReadable(ref.file);
    if (!mode) continue;
    const e: Exposure = { kind: 'secret-file', file: ref.file, mode, keys: [key.join('.')] };
    byFile.set(ref.file, e);
    found.push(e);
  }
  return found;
}

export function describeExposure(e: Exposure): string {
  return e.kind === 'config'
    ? `${e.file} (mode ${e.mode}) holds secrets written inline (${e.keys.join(', ')}) and every user can read it: chmod o-r it, or move them to {file: PATH} or {env: NAME}`
    : `secret file ${e.file} (mode ${e.mode}, for ${e.keys.join(', ')}) can be read by every user: chmod o-r it`;
}
