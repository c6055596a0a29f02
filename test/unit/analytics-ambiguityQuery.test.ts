// The Ambiguity view's pages (extension/core/analytics/ambiguityQuery.ts) on a real NanoDet-m-320 run over val2017
// images: unfiltered, they are the analysis' own top-ambiguous list; filtered, they are what a straightforward
// filter-rank-dedupe written here gives; pages concatenate to the whole list.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, test } from 'node:test';
import { OUTCOME_CODE, type GflAnalysis } from '../../extension/core/analytics/analysis.ts';
import { queryAmbiguous, type AmbiguityQuery } from '../../extension/core/analytics/ambiguityQuery.ts';
import { EDGE_NAMES } from '../../extension/core/types.ts';
import { analyseOpenedRun, openRun, type OpenedRun } from '../../extension/io/runAnalysis.ts';
import { detectSmallRun } from './helpers/reportFixtures.ts';

let opened: OpenedRun;
let analysis: GflAnalysis;
let gtBoxOf: (id: number) => readonly number[] | undefined;

before(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-amb-'));
  const runPath = await detectSmallRun(dir, 16);
  opened = await openRun(runPath);
  analysis = analyseOpenedRun(opened, { rescoring: false });
  const byId = new Map(opened.groundTruth!.annotations.map((a) => [a.id, a.bbox]));
  gtBoxOf = (id) => byId.get(id);
});

/** The expected ranking, written out plainly: evaluated boxes passing the filters, by ambiguity, one per anchor. */
function expectedIndices(q: Partial<AmbiguityQuery>): number[] {
  const { detections } = opened.table;
  const rows = analysis.rows;
  const minScore = q.minScore ?? 0.3;
  const candidates: number[] = [];
  for (let d = 0; d < rows.count; d++) {
    if (rows.outcome[d] !== OUTCOME_CODE.tp && rows.outcome[d] !== OUTCOME_CODE.fp) continue;
    if (!(rows.ambiguity[d] >= 0) || detections.score[d] < minScore) continue;
    if (q.classIndex != null && detections.classIndex[d] !== q.classIndex) continue;
    if (q.edge != null && EDGE_NAMES[rows.drivingEdge[d]] !== q.edge) continue;
    if (q.outcome != null && rows.outcome[d] !== OUTCOME_CODE[q.outcome]) continue;
    candidates.push(d);
  }
  candidates.sort((a, b) => rows.ambiguity[b] - rows.ambiguity[a] || detections.score[b] - detections.score[a] || a - b);
  const seen = new Set<string>();
  return candidates.filter((d) => {
    const key = [detections.imageIndex[d], detections.level[d], detections.anchor[2 * d], detections.anchor[2 * d + 1]].join(':');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

test('unfiltered, the first page is the analysis\' own top-ambiguous list (boxes, statistics, distributions, GT marks)', () => {
  assert.ok(analysis.topAmbiguous.length > 20, `${analysis.topAmbiguous.length} ambiguous boxes`);
  const page = queryAmbiguous(opened.table, analysis, { limit: analysis.topAmbiguous.length }, gtBoxOf);
  assert.equal(page.boxes.length, analysis.topAmbiguous.length);
  for (let k = 0; k < page.boxes.length; k++) {
    const a = page.boxes[k], b = analysis.topAmbiguous[k];
    assert.equal(a.index, b.index, `rank ${k + 1}`);
    assert.deepEqual({ ...a, probs: null, edge: null }, { ...b, probs: null, edge: null });
    for (const key of Object.keys(b.edge) as (keyof typeof b.edge)[]) assert.ok(Math.abs(a.edge[key] - b.edge[key]) < 1e-6, key);
    a.probs.forEach((p, i) => assert.ok(Math.abs(p - b.probs[i]) < 1e-9));
  }
});

test('filters by class, driving edge, outcome and score give exactly the plainly computed ranking', () => {
  const person = 0;
  const queries: Partial<AmbiguityQuery>[] = [
    { classIndex: person }, { edge: 'bottom' }, { outcome: 'fp' }, { outcome: 'tp', edge: 'left' }, { minScore: 0.5 }, { classIndex: person, outcome: 'tp', minScore: 0.4 },
  ];
  for (const q of queries) {
    const expected = expectedIndices(q);
    const page = queryAmbiguous(opened.table, analysis, { ...q, limit: 10_000 }, gtBoxOf);
    assert.equal(page.total, expected.length, JSON.stringify(q));
    assert.deepEqual(page.boxes.map((b) => b.index), expected, JSON.stringify(q));
    assert.ok(expected.length > 0, `${JSON.stringify(q)} matches something on this run`);
    for (const box of page.boxes) {
      if (q.edge) assert.equal(box.drivingEdge, q.edge);
      if (q.outcome) assert.equal(box.outcome, q.outcome);
      if (q.classIndex !== undefined) assert.equal(box.classIndex, q.classIndex);
      assert.ok(box.score >= (q.minScore ?? 0.3));
    }
  }
});

test('pages of 60 beyond the first concatenate to the whole ranking; an offset past the end is an empty page', () => {
  const all = queryAmbiguous(opened.table, analysis, { limit: 100_000 }, gtBoxOf);
  assert.ok(all.total > 60, `${all.total} boxes: more than one page`);
  const pages: number[] = [];
  for (let offset = 0; offset < all.total; offset += 60) {
    const page = queryAmbiguous(opened.table, analysis, { offset, limit: 60 }, gtBoxOf);
    assert.equal(page.offset, offset);
    assert.equal(page.total, all.total);
    pages.push(...page.boxes.map((b) => b.index));
  }
  assert.deepEqual(pages, all.boxes.map((b) => b.index));
  const past = queryAmbiguous(opened.table, analysis, { offset: all.total + 5, limit: 60 }, gtBoxOf);
  assert.deepEqual([past.boxes.length, past.total], [0, all.total]);
});
