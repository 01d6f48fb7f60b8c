import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

/**
 * This release's version, from the package.json that ships beside dist/ (tree, bundle, .deb). Found
 * by walking up, since this file runs from dist/appliance in a release and from appliance/ in tests.
 */
export function packageVersion(): string {
  if (cached) return cached;
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'switchboard') return (cached = pkg.version);
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}
