// The report's failure lists say what each failure relates to: on pycocotools' demo detections (COCO results +
// their ground truth), each listed Cls error names the class of the ground truth it sits on and that IoU, as the
// core's matching (matchDetections) records them; each Loc error its edge errors; the HTML shows a "Relates to" column.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { matchDetections } from '../../extension/core/coco/matching.ts';
import { buildHtmlReport } from '../../extension/core/report/htmlReport.ts';
import { buildReportData } from '../../extension/core/report/reportData.ts';
import { analyseOpenedRun, openResults } from '../../extension/io/runAnalysis.ts';

const shared = path.resolve(__dirname, '../../../shared');
const gtFile = path.join(shared, 'reference/cocoeval/instances_val2014_100.json');
const resultsFile = path.join(shared, 'reference/cocoeval/instances_val2014_fakebbox100_results.json');

test('report failure lists: contexts aligned with the listed failures, checked against the matching', async () => {
  const opened = await openResults(resultsFile, gtFile, null);
  const analysis = analyseOpenedRun(opened, { detail: 'summary' });
  const data = buildReportData({ table: opened.table, analysis, groundTruth: opened.groundTruth });
  const gt = opened.groundTruth!;
  const matching = matchDetections({ images: gt.images, annotations: gt.annotations, categories: gt.categories }, opened.table.detections.count ? resultsOf(opened) : []);
  const names = new Map(gt.categories.map((c) => [c.id, c.name]));
  const { images, detections } = opened.table;
  const lists = Object.fromEntries(data.evaluation!.failures.map((f) => [f.type, f]));
  for (const type of ['Cls', 'Loc', 'Miss']) {
    const list = lists[type];
    assert.ok(list.contexts, `${type} has contexts`);
    assert.equal(list.contexts!.length, type === 'Miss' ? list.missed.length : list.detections.length);
    assert.ok(list.contexts!.length > 0, `${type} lists failures`);
    assert.ok(list.contexts!.every((c) => c !== null && c.short.length > 0), `${type}: every listed failure has a context`);
  }
  lists.Cls.detections.forEach((ref, k) => {
    const imageIndex = [...images.imageId].indexOf(ref.imageId);
    const row = images.detStart[imageIndex] + ref.detIndex;
    const m = matching.matches[row];
    assert.equal(m.imageId, ref.imageId);
    assert.equal(Math.fround(m.score), detections.score[row]);
    assert.equal(lists.Cls.contexts![k]!.gtId, m.anyClassGtId);
    assert.equal(lists.Cls.contexts![k]!.short, `true class ${names.get(m.anyClassCategoryId!)} · IoU ${m.anyClassIoU.toFixed(2)}`);
  });
  lists.Loc.detections.forEach((ref, k) => {
    const imageIndex = [...images.imageId].indexOf(ref.imageId);
    const row = images.detStart[imageIndex] + ref.detIndex;
    const g = gt.annotations.find((a) => a.id === matching.matches[row].sameClassGtId)!.bbox;
    const d = Array.from(detections.bbox.subarray(4 * row, 4 * row + 4));
    const expected = [g[0] - d[0], g[1] - d[1], d[2] - (g[0] + g[2]), d[3] - (g[1] + g[3])];
    lists.Loc.contexts![k]!.edgeErrorPx!.forEach((v, e) => assert.ok(Math.abs(v - expected[e]) < 1e-3, `Loc edge ${e}: ${v} vs ${expected[e]}`));
  });
  const sha256Base64 = (s: string) => createHash('sha256').update(s).digest('base64');
  const html = buildHtmlReport(data, { plotlyJs: '', plotlyCss: '', sha256Base64, crops: new Map() });
  assert.match(html, /<th>Relates to<\/th>/);
  assert.ok(html.includes(`>${lists.Cls.contexts![0]!.short}</td>`));
  // Without the ground truth boxes, no contexts and no column.
  const bare = buildReportData({ table: opened.table, analysis });
  assert.equal(bare.evaluation!.failures[0].contexts, undefined);
  assert.doesNotMatch(buildHtmlReport(bare, { plotlyJs: '', plotlyCss: '', sha256Base64, crops: new Map() }), /Relates to/);
});

/** The run's detections back as COCO results, in row order (so matches[k] is row k). */
function resultsOf(opened: Awaited<ReturnType<typeof openResults>>) {
  const { images, detections } = opened.table;
  const out = [];
  for (let d = 0; d < detections.count; d++) {
    const b = detections.bbox.subarray(4 * d, 4 * d + 4);
    out.push({ image_id: images.imageId[detections.imageIndex[d]], category_id: opened.mapping.classToCategory[detections.classIndex[d]]!, bbox: [b[0], b[1], b[2] - b[0], b[3] - b[1]] as [number, number, number, number], score: detections.score[d], detIndex: detections.detIndex[d] });
  }
  return out;
}
