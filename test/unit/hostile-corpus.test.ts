// The hostile-input corpus of test/hostile/corpus.ts, generated into a temporary folder and run case by case. Each
// outcome is classified against the case's expectation; the totals are printed. Passing means 0 crashes (internal
// errors or unnamed files), 0 hangs (a case over its time limit), 0 silently wrong results and 0 valid inputs refused.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { buildCorpus, type HostileCase } from '../hostile/corpus.ts';

const SHARED = path.resolve(__dirname, '..', '..', '..', 'shared');
/** A case not settled in this time counts as a hang (models load in well under a second here). */
const HANG_MS = 15_000;

type Verdict = 'as expected' | 'crash' | 'hang' | 'silently wrong' | 'valid input refused' | 'unclear error';

let dir: string;
let cases: HostileCase[];

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-hostile-'));
  cases = await buildCorpus(dir, SHARED);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

async function judge(c: HostileCase): Promise<{ verdict: Verdict; detail: string }> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>((resolve) => { timer = setTimeout(() => resolve('hang'), HANG_MS); });
  try {
    const outcome = await Promise.race([c.run(), hang]);
    if (outcome === 'hang') return { verdict: 'hang', detail: `no answer in ${HANG_MS} ms` };
    const matching = c.says ? outcome.warnings.filter((w) => c.says!.test(w)) : outcome.warnings;
    if (c.expect === 'error') return { verdict: 'silently wrong', detail: `accepted; warnings: ${outcome.warnings.join(' | ') || 'none'}` };
    if (c.expect === 'warning' && matching.length === 0) return { verdict: 'silently wrong', detail: `no matching warning; got: ${outcome.warnings.join(' | ') || 'none'}` };
    if (c.expect === 'ok' && outcome.warnings.length > 0) return { verdict: 'silently wrong', detail: `unexpected warnings: ${outcome.warnings.join(' | ')}` };
    return { verdict: 'as expected', detail: matching[0] ?? 'accepted, result checked' };
  } catch (error) {
    const e = error as Error & { wrongResult?: boolean };
    if (e.wrongResult) return { verdict: 'silently wrong', detail: e.message };
    if (e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError || e instanceof SyntaxError || !(e instanceof Error)) {
      return { verdict: 'crash', detail: `${e?.name}: ${e?.message}` };
    }
    if (c.expect !== 'error') return { verdict: 'valid input refused', detail: e.message };
    const named = !c.file || e.message.includes(c.file) || e.message.includes(path.basename(c.file));
    if (!named || (c.says && !c.says.test(e.message)) || e.message.length > 600) return { verdict: 'unclear error', detail: e.message.slice(0, 600) };
    return { verdict: 'as expected', detail: e.message };
  } finally {
    clearTimeout(timer);
  }
}

test('hostile corpus: every case gives its expected outcome (clear error, warning, or correct result)', async () => {
  assert.ok(cases.length >= 60, `${cases.length} cases; the corpus has at least 60`);
  const verdicts: Record<Verdict, number> = { 'as expected': 0, crash: 0, hang: 0, 'silently wrong': 0, 'valid input refused': 0, 'unclear error': 0 };
  const byKind = new Map<string, { cases: number; errors: number; warnings: number; ok: number }>();
  const failures: string[] = [];
  for (const c of cases) {
    const { verdict, detail } = await judge(c);
    verdicts[verdict]++;
    const k = byKind.get(c.kind) ?? { cases: 0, errors: 0, warnings: 0, ok: 0 };
    k.cases++;
    if (c.expect === 'error') k.errors++; else if (c.expect === 'warning') k.warnings++; else k.ok++;
    byKind.set(c.kind, k);
    if (verdict !== 'as expected') failures.push(`[${c.kind}] ${c.name} (expected ${c.expect}): ${verdict}: ${detail}`);
  }
  const kinds = [...byKind].map(([kind, k]) => `${kind} ${k.cases} (${k.errors} errors, ${k.warnings} warnings, ${k.ok} valid)`).join('; ');
  console.log(`hostile corpus: ${cases.length} cases — ${kinds}`);
  console.log(`  ${verdicts['as expected']} as expected, ${verdicts.crash} crashes, ${verdicts.hang} hangs, ${verdicts['silently wrong']} silently wrong, ` +
    `${verdicts['valid input refused']} valid inputs refused, ${verdicts['unclear error']} unclear errors`);
  assert.deepEqual(failures, []);
});
