// In-process fuzzer of the COCO loaders and the evaluator (issue 17 acceptance): a fixed seed, 24,000 mutated
// instances/results files (value mutations in the JSON tree, deep nesting, byte-level damage, encodings). Every case
// must end in a parsed dataset or in the loaders' own validation error (a plain Error naming the file, capped in
// length): no TypeError/RangeError/stack overflow, no case over 2 s, and no NaN among the 12 stats when it evaluates.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateCoco } from '../../extension/core/coco/cocoEval.ts';
import { parseCocoInstances, parseCocoResults, type CocoDataset } from '../../extension/core/coco/cocoLoad.ts';
import { decodeText } from '../../extension/core/jsonText.ts';

const SEED = 0x5eed17;
const CASES = 24_000;
const SLOW_MS = 2_000;

/** mulberry32: a small, well-mixed 32-bit PRNG (public domain, T. Ettinger), reproducible across platforms. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = mulberry32(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const int = (n: number) => Math.floor(random() * n);

function baseInstances(): Record<string, unknown> {
  const images = Array.from({ length: 1 + int(4) }, (_, i) => ({ id: i + 1, file_name: `${i + 1}.jpg`, width: 100 + int(500), height: 100 + int(500) }));
  const categories = Array.from({ length: 1 + int(4) }, (_, i) => ({ id: i + 1, name: `c${i}`, supercategory: 'thing' }));
  const annotations = Array.from({ length: int(8) }, (_, i) => {
    const [x, y, w, h] = [int(80), int(80), int(60), int(60)];
    return { id: i + 1, image_id: 1 + int(images.length), category_id: 1 + int(categories.length), bbox: [x, y, w, h], area: w * h, iscrowd: random() < 0.1 ? 1 : 0 };
  });
  return { info: {}, images, annotations, categories };
}

function baseResults(gt: CocoDataset): unknown[] {
  return Array.from({ length: int(12) }, () => ({
    image_id: gt.images.length ? pick(gt.images).id : 1,
    category_id: gt.categories.length ? pick(gt.categories).id : 1,
    bbox: [int(90), int(90), 1 + int(60), 1 + int(60)],
    score: random(),
  }));
}

/** Values that break naive loaders: wrong types, edge numbers, long and odd strings, nesting. */
function hostileValue(): unknown {
  switch (int(16)) {
    case 0: return null;
    case 1: return pick([0, -0, -1, 1, 0.5, -1e-300, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, -(2 ** 53) - 2, 4294967296, 1e21]);
    case 2: return pick(['', 'x', '0', '1', 'NaN', '__proto__', '<script>', '\u0000', '\ud800', 'é'.repeat(50)]);
    case 3: return pick([true, false]);
    case 4: return [];
    case 5: return {};
    case 6: return Array.from({ length: int(6) }, () => int(100) - 20);
    // Deep array nesting is spliced into the text after JSON.stringify (which would itself overflow on it).
    case 7: return `\u0001NEST${1 + int(7000)}\u0001`;
    case 8: { let v: unknown = 1; for (let d = 0, n = 1 + int(300); d < n; d++) v = { a: v }; return v; }
    case 9: return { __proto__: null, id: 1 };
    case 10: return Array.from({ length: 4 }, () => pick([Number.MAX_VALUE, -Number.MAX_VALUE, 1e-320, 0]));
    case 11: return 'x'.repeat(int(5000));
    case 12: return Array.from({ length: 1000 + int(20000) }, () => 1);
    case 13: return [{}, null, 1];
    case 14: return int(1000) - 500;
    default: return random() * 1000 - 500;
  }
}

/** One mutation somewhere in the tree: replace, delete, duplicate or reorder an element. */
function mutate(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 6 || random() < 0.25) return random() < 0.85 ? hostileValue() : value;
  if (Array.isArray(value)) {
    const copy = [...value];
    const op = int(5);
    if (op === 0 && copy.length) copy.splice(int(copy.length), 1);
    else if (op === 1 && copy.length) copy.push(structuredClone(copy[int(copy.length)]));
    else if (op === 2) copy.splice(int(copy.length + 1), 0, hostileValue());
    else if (copy.length) { const i = int(copy.length); copy[i] = mutate(copy[i], depth + 1); }
    return copy;
  }
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  const op = int(5);
  if (op === 0 && keys.length) delete copy[pick(keys)];
  else if (op === 1) copy[pick(['id', 'image_id', 'category_id', 'bbox', 'score', 'area', 'iscrowd', 'width', 'height', 'file_name', 'name', 'images', 'annotations', 'categories', 'extra'])] = hostileValue();
  else if (keys.length) { const k = pick(keys); copy[k] = mutate(copy[k], depth + 1); }
  return copy;
}

/** JSON text of a mutated tree, with the deep-nesting markers expanded. */
function serialize(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u0001NEST(\d+)\\u0001"/g, (_, n: string) => `${'['.repeat(Number(n))}1${']'.repeat(Number(n))}`);
}

/** Text-level damage: truncation, inserted bytes, a BOM, or an encoding the file does not declare. */
function damage(text: string): Uint8Array {
  const op = int(10);
  if (op === 0) return new TextEncoder().encode(text.slice(0, int(text.length + 1)));
  if (op === 1) { const at = int(text.length + 1); return new TextEncoder().encode(text.slice(0, at) + pick(['{', '}', '[', ']', ',', '"', ':', '\\', 'NaN', 'Infinity', '\u0000', '/*']) + text.slice(at)); }
  if (op === 2) return Uint8Array.from([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)]);
  if (op === 3) return Uint8Array.from([0xff, 0xfe, ...new Uint8Array(Uint16Array.from(text, (c) => c.charCodeAt(0)).buffer)]);
  if (op === 4) return new Uint8Array(Uint16Array.from(text, (c) => c.charCodeAt(0)).buffer);
  if (op === 5) return Uint8Array.from(new TextEncoder().encode(text), (b) => (random() < 0.002 ? int(256) : b));
  return new TextEncoder().encode(text);
}

const INTERNAL = [TypeError, RangeError, ReferenceError, SyntaxError, EvalError];

test(`fuzzed COCO instances and results (${CASES} cases, seed ${SEED}): only validation errors, nothing slow, no NaN stats`, () => {
  const tally = { cases: 0, instancesRefused: 0, resultsRefused: 0, evaluated: 0, warnings: 0, slowest: 0 };
  const problems: string[] = [];
  const started = performance.now();
  for (let n = 0; n < CASES; n++) {
    tally.cases++;
    const t0 = performance.now();
    const fuzzResults = n % 2 === 1;
    const fileName = fuzzResults ? `dt-${n}.json` : `gt-${n}.json`;
    const onError = (error: unknown, stage: string, name: string) => {
      const e = error as Error;
      const internal = INTERNAL.some((k) => e instanceof k) || !(e instanceof Error);
      if (internal || !e.message.startsWith(`${name}: `) || e.message.length > 600) problems.push(`case ${n} ${stage}: ${e?.name}: ${String(e?.message).slice(0, 200)}`);
    };
    let gt: CocoDataset | undefined;
    const instances = baseInstances();
    try {
      // Byte-level cases go through the same decoding as files read from disk.
      const text = fuzzResults ? JSON.stringify(instances) : decodeText(damage(serialize(mutate(instances))), fileName);
      gt = parseCocoInstances(text, fuzzResults ? 'base.json' : fileName);
      tally.warnings += gt.warnings.length;
    } catch (error) {
      tally.instancesRefused++;
      onError(error, 'instances', fileName);
    }
    if (gt) {
      let dets: ReturnType<typeof parseCocoResults> | undefined;
      const base = baseResults(gt);
      try {
        const text = fuzzResults ? decodeText(damage(serialize(mutate(base))), fileName) : JSON.stringify(base);
        const warnings: string[] = [];
        dets = parseCocoResults(text, fuzzResults ? fileName : 'dt.json', gt, warnings);
        tally.warnings += warnings.length;
      } catch (error) {
        tally.resultsRefused++;
        onError(error, 'results', fuzzResults ? fileName : 'dt.json');
      }
      if (dets) {
        try {
          const stats = evaluateCoco(gt, dets).stats;
          tally.evaluated++;
          if (stats.some((s) => Number.isNaN(s))) problems.push(`case ${n}: NaN among the stats ${JSON.stringify(stats)}`);
        } catch (error) {
          problems.push(`case ${n} evaluate: ${(error as Error).name}: ${(error as Error).message.slice(0, 200)}`);
        }
      }
    }
    const ms = performance.now() - t0;
    tally.slowest = Math.max(tally.slowest, ms);
    if (ms > SLOW_MS) problems.push(`case ${n}: ${ms.toFixed(0)} ms`);
  }
  console.log(`coco fuzz: ${tally.cases} cases in ${((performance.now() - started) / 1000).toFixed(1)} s (seed ${SEED}): ${tally.instancesRefused} instances and ` +
    `${tally.resultsRefused} results refused with validation errors, ${tally.evaluated} evaluated, ${tally.warnings} warnings, slowest case ${tally.slowest.toFixed(0)} ms, ${problems.length} problems`);
  assert.deepEqual(problems.slice(0, 20), []);
  assert.ok(tally.evaluated > CASES / 10 && tally.instancesRefused > CASES / 10, 'the mix exercises both acceptance and refusal');
});
