import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { ConfigSchema } from '../../appliance/config/schema.js';

/**
 * Every setting of the configuration (a key whose value is not itself a section), as dotted paths
 * ('[]' for an array's items). A union (a secret: a string, {file} or {env}; a channel of one of
 * four types) is one setting, or the settings of each of its object shapes that are sections.
 */
function keys(schema: unknown, prefix = ''): string[] {
  const s = schema as { properties?: Record<string, unknown>; items?: { properties?: unknown; anyOf?: unknown[] }; anyOf?: Array<{ properties?: Record<string, unknown> }> };
  if (s.properties) return Object.entries(s.properties).flatMap(([k, v]) => keys(v, `${prefix}${k}.`));
  if (s.items && (s.items.properties || s.items.anyOf?.every((v) => (v as { properties?: unknown }).properties))) return keys(s.items, prefix.replace(/\.$/, '[].'));
  // A section that may also be null, or one of several shapes: its settings are those of its object shapes.
  const shapes = (s.anyOf ?? []).filter((v) => v.properties && Object.keys(v.properties).length > 1);
  if (shapes.length > 0) return [...new Set(shapes.flatMap((v) => keys(v, prefix)))];
  return [prefix.replace(/\.$/, '')];
}

/** A key counts as documented when its full path, or its own name in backticks next to its section's, is in docs/. */
t.test('every configuration key is documented in docs/', async (t) => {
  const docs = readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => readFileSync(path.join(ROOT, 'docs', f), 'utf8'))
    .join('\n');
  const all = keys(ConfigSchema);
  t.ok(all.length > 80, `${all.length} keys`);
  const missing = all.filter((k) => {
    const name = k.split('.').pop()!.replace('[]', '');
    return !docs.includes(`\`${k}\``) && !docs.includes(`\`${k.replace(/\[\]/g, '')}\``) && !docs.includes(`\`${name}\``) && !docs.includes(`.${name}\``);
  });
  t.same(missing, []);
});
