import t from 'tap';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';

/*
 * The shape, enforced: who may import whom, drawn from the sources' own import lines (type-only
 * imports and re-exports included, since they tie modules together just the same).
 */
const PRODUCT = ['appliance', 'http', 'common', 'domain', 'sip', 'gateway', 'provisioning'];
const ALL = [...PRODUCT, 'console', 'lab', 'bench'];
const SPEC = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|^import\s+['"](\.{1,2}\/[^'"]+)['"]/gm;

function sources(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const rel = path.join(dir, e);
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sources(rel);
    return /\.tsx?$/.test(e) && !e.endsWith('.d.ts') ? [rel] : [];
  });
}

/** file -> the repository files it imports (relative specifiers only; packages are not ours). */
export function importGraph(folders: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of folders.flatMap(sources)) {
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    const targets: string[] = [];
    for (const m of text.matchAll(SPEC)) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      const resolved = path.normalize(path.join(path.dirname(file), spec));
      const stem = resolved.replace(/\.js$/, '');
      // A stylesheet or other asset is not a module of ours: it has no imports to follow.
      if (/\.(css|svg|png|json)$/.test(resolved) && existsSync(path.join(ROOT, resolved))) continue;
      const target = [`${stem}.ts`, `${stem}.tsx`].find((c) => existsSync(path.join(ROOT, c))) ?? `${stem}.ts`;
      targets.push(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

const top = (file: string): string => file.split(path.sep)[0]!;
const graph = importGraph(ALL);

t.test('the import graph is read from every source folder', async (t) => {
  t.ok(graph.size > 150, `${graph.size} files`);
  t.ok([...graph.values()].flat().length > 500, 'with their imports');
  for (const folder of PRODUCT) t.ok([...graph.keys()].some((f) => top(f) === folder), `${folder}/ has sources`);
});

t.test('every relative import names a file that exists', async (t) => {
  const missing = [...graph].flatMap(([f, ts]) => ts.filter((x) => !graph.has(x) && !/\.(json|d\.ts)$/.test(x) && !sources(path.dirname(x)).includes(x)).map((x) => `${f} -> ${x}`));
  t.same(missing, []);
});

t.test('the domain imports nothing but the domain and the common pieces', async (t) => {
  const outside = [...graph].filter(([f]) => top(f) === 'domain').flatMap(([f, ts]) => ts.filter((x) => !['domain', 'common'].includes(top(x))).map((x) => `${f} -> ${x}`));
  t.same(outside, []);
});

t.test('the common pieces import only each other', async (t) => {
  const outside = [...graph].filter(([f]) => top(f) === 'common').flatMap(([f, ts]) => ts.filter((x) => top(x) !== 'common').map((x) => `${f} -> ${x}`));
  t.same(outside, []);
});

t.test('no module reaches up into the composition root, and product code never imports the lab, the bench or the tests', async (t) => {
  const upward = [...graph]
    .filter(([f]) => PRODUCT.includes(top(f)) && top(f) !== 'appliance')
    .flatMap(([f, ts]) => ts.filter((x) => top(x) === 'appliance').map((x) => `${f} -> ${x}`));
  t.same(upward, [], 'nothing below appliance/ imports it');
  const dev = [...graph].filter(([f]) => PRODUCT.includes(top(f))).flatMap(([f, ts]) => ts.filter((x) => ['lab', 'bench', 'test'].includes(top(x))).map((x) => `${f} -> ${x}`));
  t.same(dev, [], 'no product file imports lab/, bench/ or test/');
});

t.test('the console is compiled against the API shapes only, never the server code', async (t) => {
  const server = [...graph]
    .filter(([f]) => top(f) === 'console')
    .flatMap(([f, ts]) => ts.filter((x) => top(x) !== 'console' && !x.startsWith(path.join('http', 'api') + path.sep)).map((x) => `${f} -> ${x}`));
  t.same(server, []);
  t.ok([...graph].some(([f, ts]) => top(f) === 'console' && ts.some((x) => x.startsWith(path.join('http', 'api')))), 'it does import the shapes');
});

t.test('there is no import cycle, type-only imports included', async (t) => {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const x of graph.get(f) ?? []) {
      if (!graph.has(x)) continue;
      if (state.get(x) === 'open') cycles.push([...stack.slice(stack.indexOf(x)), x].join(' -> '));
      else if (!state.has(x)) visit(x);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  t.same(cycles, []);
});
