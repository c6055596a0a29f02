// Benchmark (prints figures, asserts nothing): what the Failures sidebar and the Ambiguity view cost in the analysis
// worker on a real run — NanoDet-m-320 over the 128 val2017 images — and what they count: the failure groups over
// every stored detection (TIDE's population) against those at the operating threshold, with one class filter; the
// first Ambiguity page and a filtered one, and a page's size as JSON (what the view receives).
// Usage: node --import tsx test/bench/failures.bench.ts [--images 128]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { queryAmbiguous } from '../../extension/core/analytics/ambiguityQuery.ts';
import { DEFAULT_OPERATING_THRESHOLD } from '../../extension/core/operatingPoint.ts';
import { analyseOpenedRun, openRun } from '../../extension/io/runAnalysis.ts';
import { groupFailures, type FailureGroup } from '../../extension/views/failureGroups.ts';
import { detectSmallRun } from '../unit/helpers/reportFixtures.ts';

async function main() {
  const { values } = parseArgs({ options: { images: { type: 'string', default: '128' } } });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-failures-bench-'));
  try {
    const opened = await openRun(await detectSmallRun(dir, Number(values.images)));
    const analysis = analyseOpenedRun(opened, { detail: 'summary' });
    const time = <T>(fn: () => T, reps = 5): { ms: number; value: T } => {
      let value = fn();
      const started = performance.now();
      for (let i = 0; i < reps; i++) value = fn();
      return { ms: +((performance.now() - started) / reps).toFixed(1), value };
    };
    const counts = (groups: FailureGroup[]) => Object.fromEntries(groups.map((g) => [g.kind, g.count]));
    const all = time(() => groupFailures(opened.table, analysis, { minScore: null }, opened.groundTruth));
    const atThreshold = time(() => groupFailures(opened.table, analysis, { minScore: DEFAULT_OPERATING_THRESHOLD }, opened.groundTruth));
    const person = time(() => groupFailures(opened.table, analysis, { minScore: DEFAULT_OPERATING_THRESHOLD, filter: { categoryId: 1, size: null, imageIndex: null } }, opened.groundTruth));
    const byId = new Map(opened.groundTruth!.annotations.map((a) => [a.id, a.bbox]));
    const firstPage = time(() => queryAmbiguous(opened.table, analysis, {}, (id) => byId.get(id)));
    const filtered = time(() => queryAmbiguous(opened.table, analysis, { outcome: 'fp', edge: 'bottom' }, (id) => byId.get(id)));
    console.log(JSON.stringify({
      images: opened.table.images.count, detections: opened.table.detections.count,
      groupOrder: atThreshold.value.map((g) => g.kind), dAP: Object.fromEntries(atThreshold.value.filter((g) => g.dAP !== null).map((g) => [g.kind, +g.dAP!.toFixed(2)])),
      everyDetection: { ms: all.ms, counts: counts(all.value) },
      atOperatingThreshold: { threshold: DEFAULT_OPERATING_THRESHOLD, ms: atThreshold.ms, counts: counts(atThreshold.value) },
      personAtThreshold: { ms: person.ms, counts: counts(person.value) },
      ambiguityFirstPage: { ms: firstPage.ms, shown: firstPage.value.boxes.length, total: firstPage.value.total, jsonBytes: JSON.stringify(firstPage.value.boxes).length },
      ambiguityFpBottom: { ms: filtered.ms, shown: filtered.value.boxes.length, total: filtered.value.total },
      tideAp50: +analysis.evaluation!.tide.ap.toFixed(2), cocoAp50: +(100 * analysis.evaluation!.stats[1]).toFixed(2),
    }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
