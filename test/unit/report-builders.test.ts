// Pure report builders on a hand-built run with known answers (see helpers/reportFixtures.ts syntheticRun).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import Ajv2020 from 'ajv/dist/2020.js';
import { analyzeRun } from '../../extension/core/analytics/analysis.ts';
import { DEFAULT_BOOTSTRAP } from '../../extension/core/analytics/statistics.ts';
import { mapClassesToCategories } from '../../extension/core/coco/categoryMapping.ts';
import { evaluateCoco } from '../../extension/core/coco/cocoEval.ts';
import { parseCocoInstances, parseCocoResults } from '../../extension/core/coco/cocoLoad.ts';
import { matchDetections } from '../../extension/core/coco/matching.ts';
import { PLOTLY_STYLE_ATTRIBUTES } from '../../extension/core/report/cspHashes.ts';
import { csvField, escapeHtml, escapeMarkdown, escapePlotlyText, jsonForScript } from '../../extension/core/report/escape.ts';
import { buildHtmlReport } from '../../extension/core/report/htmlReport.ts';
import { buildMarkdownReport } from '../../extension/core/report/markdownReport.ts';
import { buildReportData, reportCropRequests, round6, tideApBasis, type ReportData } from '../../extension/core/report/reportData.ts';
import { buildJsonReport, cocoResultsChunks, csvReportChunks, CSV_COLUMNS } from '../../extension/core/report/tabular.ts';
import { runTableFromRecords, type RunTable } from '../../extension/core/runTable.ts';
import type { GflAnalysis } from '../../extension/core/analytics/analysis.ts';
import { REPO_ROOT, syntheticRun, XSS_NAME } from './helpers/reportFixtures.ts';

const sha256Base64 = (text: string) => crypto.createHash('sha256').update(text).digest('base64');

/** The synthetic run as columns with its analysis (with or without ground truth). */
function analysed(withGroundTruth = true, edit?: (run: ReturnType<typeof syntheticRun>['run']) => void): { table: RunTable; analysis: GflAnalysis } {
  const { run, groundTruth } = syntheticRun(withGroundTruth);
  edit?.(run);
  const table = runTableFromRecords(run.header, run.images, run.errors, run.complete, run.footer);
  const classToCategory = mapClassesToCategories(run.header.profile.classNames, withGroundTruth ? groundTruth.categories : undefined).classToCategory;
  const analysis = analyzeRun(table, withGroundTruth ? groundTruth : null, classToCategory, { bootstrap: { ...DEFAULT_BOOTSTRAP, resamples: 50 } });
  return { table, analysis };
}

function reportWithGroundTruth(): ReportData {
  return buildReportData(analysed());
}

const buildCsvReport = ({ table, analysis }: ReturnType<typeof analysed>) => [...csvReportChunks(table, analysis)].join('');
const buildCocoResultsReport = ({ table, analysis }: ReturnType<typeof analysed>) => [...cocoResultsChunks(table, analysis)].join('');

const schema = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'media', 'schema', 'gfl-lens-report.schema.json'), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const validateReport = ajv.compile(schema);

test('escape helpers: HTML, script JSON, Markdown cells, RFC 4180 fields', () => {
  assert.equal(escapeHtml(XSS_NAME), '&lt;img src=x onerror=alert(1)&gt;');
  assert.equal(escapeHtml(`a"b'c&`), 'a&quot;b&#39;c&amp;');
  const inline = jsonForScript({ name: '</script><script>alert(1)</script>' });
  assert.ok(!inline.includes('<'), inline);
  assert.deepEqual(JSON.parse(inline), { name: '</script><script>alert(1)</script>' });
  assert.equal(escapeMarkdown('a|b <i> *x* [l](u)'), 'a\\|b &lt;i&gt; \\*x\\* \\[l\\](u)');
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b "c"'), '"a,b ""c"""');
  assert.equal(csvField('x\ny'), '"x\ny"');
  assert.equal(csvField(null), '');
  assert.equal(csvField(0.5), '0.5');
});

test('CSV: one row per detection, round-trips through csv-parse with the hand-computed values', () => {
  const rows: Record<string, string>[] = parseCsv(buildCsvReport(analysed()), { columns: true });
  assert.deepEqual(Object.keys(rows[0]), [...CSV_COLUMNS]);
  assert.equal(rows.length, 3);
  const [tp, bkg, xss] = rows;
  // The true positive exactly on its GT, sharp edges (half the mass on bins 3 and 4).
  assert.equal(tp.image, 'a,b "c".jpg');
  assert.equal(tp.class, 'cat');
  assert.deepEqual([tp.category_id, tp.score, tp.x1, tp.y1, tp.x2, tp.y2], ['1', '0.9', '10', '10', '50', '40']);
  assert.deepEqual([tp.matched_gt_id, tp.iou, tp.tp50, tp.error_type], ['101', '1', '1', '']);
  assert.equal(tp.entropy_l, '0.333333'); // −2·0.5·ln 0.5 / ln 8 = ln 2 / ln 8 = 1/3
  assert.equal(tp.top1_t, '0.5');
  assert.equal(tp.std_px_r, '4'); // E[i²] − E[i]² = 12.5 − 12.25 → std 0.5 bin · stride 8 / scale 1
  assert.equal(tp.bimodality_b, '0'); // a two-bin plateau is one peak
  assert.equal(tp.ambiguity, '0'); // all mass on the two bins around the mean 3.5
  // The background false positive, uniform edges.
  assert.deepEqual([bkg.matched_gt_id, bkg.iou, bkg.tp50, bkg.error_type], ['', '0', '0', 'Bkg']);
  assert.equal(bkg.entropy_l, '1');
  assert.equal(bkg.top1_b, '0.125');
  assert.equal(bkg.std_px_l, '18.330303'); // √((8² − 1)/12) = √5.25 = 2.2912878 bins · 8 px = 18.3303028
  assert.equal(bkg.ambiguity, '0.75'); // 1 − (1/8 + 1/8)
  // Field with a newline and the category name that looks like HTML: both survive the round trip literally.
  assert.equal(xss.image, 'line\nbreak.jpg');
  assert.equal(xss.class, XSS_NAME);
  assert.deepEqual([xss.category_id, xss.matched_gt_id, xss.tp50], ['2', '102', '1']);
});

test('one name per class: a model class mapped to a category is named as the dataset names it in the CSV, JSON and per-class statistics', () => {
  // The model spells class 0 "CAT"; it maps (case-insensitively) to the dataset's "cat".
  const { table, analysis } = analysed(true, (run) => { run.header.profile = { ...run.header.profile, classNames: ['CAT', XSS_NAME] }; });
  assert.deepEqual(analysis.source.classNames, ['CAT', XSS_NAME], 'the model\'s own names are kept in the source');
  assert.deepEqual(analysis.source.classLabels, ['cat', XSS_NAME]);
  const rows: Record<string, string>[] = parseCsv(buildCsvReport({ table, analysis }), { columns: true });
  assert.equal(rows[0].class, 'cat');
  const data = buildReportData({ table, analysis });
  assert.equal(data.classes[0].name, 'cat');
  assert.ok(analysis.scoreIoU!.byClass.some((g) => g.label === 'cat') && !analysis.scoreIoU!.byClass.some((g) => g.label === 'CAT'));
  // Without a dataset the model's name is the only one.
  const alone = analysed(false, (run) => { run.header.profile = { ...run.header.profile, classNames: ['CAT', XSS_NAME] }; });
  assert.deepEqual(alone.analysis.source.classLabels, ['CAT', XSS_NAME]);
});

test('JSON validates against the committed schema; a wrong type does not', () => {
  const data = reportWithGroundTruth();
  const json = JSON.parse(buildJsonReport(data)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.ok(validateReport(json), JSON.stringify(validateReport.errors?.slice(0, 5)));
  assert.equal(json.format, 'gfl-lens-report');
  assert.equal(json.version, 2);
  assert.equal(json.analysis.kind, 'gfl-lens-analysis');
  const broken = structuredClone(json);
  broken.detections[0].score = 'high';
  assert.equal(validateReport(broken), false);
  const missing = structuredClone(json);
  delete missing.evaluation.failures;
  assert.equal(validateReport(missing), false);
});

test('COCO results re-evaluate to the same AP; here both categories are found first → AP 1', () => {
  const { groundTruth } = syntheticRun();
  const data = reportWithGroundTruth();
  const results = parseCocoResults(buildCocoResultsReport(analysed()), 'results.json', groundTruth);
  assert.equal(results.length, 3);
  const stats = evaluateCoco(groundTruth, results).stats;
  assert.deepEqual(stats, data.analysis!.evaluation!.stats);
  assert.ok(Math.abs(stats[0] - 1) < 1e-12, `AP ${stats[0]}`); // pycocotools arithmetic gives 1 − 2⁻⁵² here
  assert.deepEqual(data.evaluation!.stats, stats.map(round6));
});

test('failure lists: the background detection is the one Bkg error, nothing missed', () => {
  const data = reportWithGroundTruth();
  const byType = Object.fromEntries(data.evaluation!.failures.map((f) => [f.type, f]));
  assert.equal(byType.Bkg.count, 1);
  assert.deepEqual(byType.Bkg.detections, [{ imageId: 1, detIndex: 1 }]);
  for (const type of ['Cls', 'Loc', 'Both', 'Dupe', 'Miss']) assert.equal(byType[type].count, 0, type);
  // Any-class overlap: the TP overlaps its own GT fully; the background box overlaps nothing.
  assert.deepEqual([data.detections[0].match!.overlapGtId, data.detections[0].match!.overlapIoU, data.detections[0].match!.overlapCategoryId], [101, 1, 1]);
  assert.deepEqual([data.detections[1].match!.overlapGtId, data.detections[1].match!.overlapIoU], [null, 0]);
  // Crops requested: each ambiguous box and each listed failure once.
  const keys = reportCropRequests(data).map((r) => r.key);
  assert.equal(new Set(keys).size, keys.length);
  assert.ok(keys.includes('d:1:1'));
});

test('HTML: user text escaped, one JSON data block without "<", no raw payloads', () => {
  const data = reportWithGroundTruth();
  const html = buildHtmlReport(data, { plotlyJs: 'window.Plotly = { newPlot: function () {} };', plotlyCss: '.js-plotly-plot{}', sha256Base64, crops: new Map([['d:1:1', 'data:image/jpeg;base64,AAAA']]) });
  assert.ok(!html.includes(XSS_NAME), 'raw category name in HTML');
  assert.ok(html.includes(escapeHtml(XSS_NAME)));
  assert.ok(!html.includes('</script><script>alert(2)'), 'profile name broke out of its text');
  assert.ok(html.includes('custom &lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;'));
  assert.ok(html.includes('m &quot;quoted&quot; &lt;b&gt;.onnx'));
  assert.equal(html.match(/<\/script>/g)?.length, 3, 'exactly the three script elements close');
  const block = html.match(/<script type="application\/json" id="gfl-report-data">([^]*?)<\/script>/)![1];
  assert.ok(!block.includes('<'));
  const plots = JSON.parse(block);
  // plotly parses labels as pseudo-HTML: the name reaches the plot entity-escaped, so it is shown, not parsed.
  assert.ok(plots.perClassAP.names.includes('&lt;img src=x onerror=alert(1)&gt;'), 'the name reaches the plot data escaped for plotly');
  assert.ok(html.includes('data:image/jpeg;base64,AAAA'));
  // One inline edge chart per ambiguous box (all three detections have distributions), four edges each.
  assert.equal(html.match(/<div class="edge-dist">/g)?.length, 3);
  // Four edge polylines per ambiguous box, plus the PR (3 IoU settings) and threshold (P, R, F1) curves.
  assert.equal(html.match(/<polyline /g)?.length, 12 + 6);
  for (const id of ['curves', 'confusion', 'worst-images']) assert.ok(html.includes(`<h2 id="${id}">`), id);
  assert.ok(html.includes('IoU ≥ 0.5, duplicates included (IoU-Net)'), 'both score–IoU populations named');
  assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`));
});

test('Markdown: tables escape names, five SVG charts linked and escaped', () => {
  const data = reportWithGroundTruth();
  const md = buildMarkdownReport(data, 'my report');
  assert.deepEqual(md.charts.map((c) => c.name), ['my report-ap-per-class.svg', 'my report-pr-curves.svg', 'my report-threshold-curves.svg', 'my report-reliability.svg', 'my report-score-iou.svg']);
  for (const heading of ['### Curves and operating point', '### Confusion matrix', '### Worst images']) assert.ok(md.markdown.includes(heading), heading);
  assert.ok(md.markdown.includes('](my%20report-reliability.svg)'));
  assert.ok(!md.markdown.includes('<img'), 'raw HTML from a name in Markdown');
  assert.ok(md.markdown.includes('&lt;img src=x onerror=alert(1)&gt;'));
  for (const chart of md.charts) {
    assert.ok(chart.svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    assert.ok(!chart.svg.includes('<img'), chart.name);
  }
  assert.ok(md.charts[0].svg.includes('&lt;img src=x'));
  assert.match(md.markdown, /\| AP \| AP50 \|/);
});

test('a run without ground truth exports detections only', () => {
  const run = analysed(false);
  const data = buildReportData(run);
  assert.equal(data.evaluation, null);
  assert.equal(data.analysis, null);
  assert.deepEqual(data.classCounts, [2, 1]);
  // Ranked over all detections: the flat-edged box first.
  assert.deepEqual(data.ambiguity!.top.map((b) => [b.imageId, b.detIndex, b.ambiguity]), [[1, 1, 0.75], [1, 0, 0], [2, 0, 0]]);
  assert.equal(data.detections.length, 3);
  const rows: Record<string, string>[] = parseCsv(buildCsvReport(run), { columns: true });
  assert.deepEqual([rows[0].matched_gt_id, rows[0].iou, rows[0].tp50, rows[0].error_type, rows[0].entropy_l], ['', '', '', '', '0.333333']);
  assert.ok(validateReport(JSON.parse(buildJsonReport(data))), JSON.stringify(validateReport.errors?.slice(0, 5)));
  // Two classes that are neither dataset categories nor the COCO 80: no category ids, so no COCO results.
  assert.equal(buildCocoResultsReport(run), '[]\n');
  const html = buildHtmlReport(data, { plotlyJs: '', plotlyCss: '', sha256Base64, crops: new Map() });
  assert.ok(html.includes('no ground truth'));
  assert.ok(buildMarkdownReport(data, 'r').markdown.includes('no ground truth'));
});

test('an analysis of another run (or of the run before it finished) is refused', () => {
  const { table, analysis } = analysed();
  const shorter = runTableFromRecords(table.header, syntheticRun().run.images.slice(0, 1), [], true);
  assert.throws(() => buildReportData({ table: shorter, analysis }), /analysis given is of another run .*2 images.*1 images/);
});

test('builders are deterministic: same inputs, identical text', () => {
  const a = reportWithGroundTruth();
  const b = reportWithGroundTruth();
  const assets = { plotlyJs: '', plotlyCss: '', sha256Base64, crops: new Map<string, string>() };
  assert.equal(buildJsonReport(a), buildJsonReport(b));
  assert.equal(buildCsvReport(analysed()), buildCsvReport(analysed()));
  assert.equal(buildHtmlReport(a, assets), buildHtmlReport(b, assets));
  assert.deepEqual(buildMarkdownReport(a, 'x'), buildMarkdownReport(b, 'x'));
});

/** Payloads a crafted run file puts where the header has numbers (issue 17: printed unescaped before). */
const PAYLOAD = '<script>alert(3)</script><img src=x onerror=alert(4)>';

test('HTML and Markdown: payloads in numeric header fields are never printed raw; the CSP admits only the page\'s own code by hash', () => {
  // The analysis of the clean run; the header the report prints is the crafted one.
  const { table, analysis } = analysed();
  const h = structuredClone(table.header) as unknown as Record<string, Record<string, unknown>>;
  h.decode = { scoreThreshold: PAYLOAD, topKPerLevel: PAYLOAD, nmsIoU: PAYLOAD, maxPerImage: PAYLOAD, classAgnosticNms: false };
  h.model = { ...h.model, bytes: PAYLOAD };
  h.head = { ...h.head, numClasses: PAYLOAD, notes: [PAYLOAD] };
  h.profile = { ...h.profile, inputSize: [PAYLOAD, PAYLOAD], regMax: PAYLOAD, centerOffset: PAYLOAD, strides: [PAYLOAD] };
  const data = buildReportData({ table: { ...table, header: h as unknown as RunTable['header'] }, analysis });
  const plotlyJs = 'window.Plotly = { newPlot: function () {} };';
  const plotlyCss = '.js-plotly-plot .plotly{direction:ltr}';
  const html = buildHtmlReport(data, { plotlyJs, plotlyCss, sha256Base64, crops: new Map() });
  assert.ok(!html.includes('alert(3)</script>'), 'a header payload closed a script element');
  assert.ok(!html.includes('<img src=x'), 'a header payload became an element');
  assert.ok(html.includes(escapeHtml(PAYLOAD)), 'the strings are shown as text where they are text (notes, strides)');
  // Hash sources computed here independently from the page's inline elements; nothing else is allowed.
  const csp = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/)![1];
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const sha = (text: string) => `'sha256-${crypto.createHash('sha256').update(text).digest('base64')}'`;
  const scripts = [...html.matchAll(/<script>([^]*?)<\/script>/g)].map((m) => m[1]);
  const styles = [...html.matchAll(/<style>([^]*?)<\/style>/g)].map((m) => m[1]);
  assert.equal(scripts.length, 2);
  assert.equal(scripts[0], plotlyJs);
  assert.ok(styles.includes(plotlyCss));
  assert.equal(csp.match(/script-src ([^;]+);/)![1], scripts.map(sha).join(' '));
  assert.equal(csp.match(/style-src ([^;]+);/)![1], [...styles, ...PLOTLY_STYLE_ATTRIBUTES].map(sha).join(' ').replace(sha(PLOTLY_STYLE_ATTRIBUTES[0]), `'unsafe-hashes' ${sha(PLOTLY_STYLE_ATTRIBUTES[0])}`));

  const md = buildMarkdownReport(data, 'x').markdown;
  assert.ok(!md.includes('<script') && !md.includes('<img'), 'raw payload in Markdown');
  assert.match(md, /\| Model \| .* \(– bytes\) \|/);
  assert.match(md, /input –×–, strides –, reg\\_max – \|/);
});

test('CSV: text that a spreadsheet would run as a formula is neutralised; numbers stay numbers', () => {
  for (const formula of ['=HYPERLINK("http://x","y")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1']) {
    const field = csvField(formula);
    assert.ok(/^"?'/.test(field), `${JSON.stringify(formula)} → ${JSON.stringify(field)}`);
  }
  assert.equal(csvField(-3), '-3');
  assert.equal(csvField('cat'), 'cat');
  const rows: Record<string, string>[] = parseCsv(buildCsvReport(analysed(true, (run) => {
    run.header.profile.classNames[0] = '=cmd|"/c calc"!A1';
    run.images[0].file = '@evil.jpg';
  })), { columns: true });
  assert.equal(rows[0].class, '\'=cmd|"/c calc"!A1');
  assert.equal(rows[0].image, "'@evil.jpg");
  assert.ok(rows.every((r) => Number.isFinite(Number(r.score))));
});

test('the style attributes admitted by hash are exactly the ones plotly sets', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pixelated: { STYLE: string } = require('plotly.js/src/constants/pixelated_image');
  assert.equal(PLOTLY_STYLE_ATTRIBUTES[1], pixelated.STYLE);
  const colorbar = fs.readFileSync(require.resolve('plotly.js/src/components/colorbar/draw.js'), 'utf8');
  assert.match(colorbar, /\.attr\('style', ''\)/);
});

test('plotly labels: entity-escaped so names are shown, not parsed as links or markup', () => {
  assert.equal(escapePlotlyText('<a href="javascript:alert(1)">x</a> & "q"'), '&lt;a href=&#34;javascript:alert(1)&#34;&gt;x&lt;/a&gt; &amp; &#34;q&#34;');
});

test('TIDE\'s AP50 vs COCOeval\'s: categories detected but absent from the ground truth count as AP 0 in TIDE, and the report says so with both figures', () => {
  // pycocotools' demo case: 6 categories are detected that the 100 images' ground truth lacks.
  const shared = path.resolve(REPO_ROOT, '../shared/reference/cocoeval');
  const gtFile = path.join(shared, 'instances_val2014_100.json');
  const dataset = parseCocoInstances(fs.readFileSync(gtFile, 'utf8'), gtFile);
  const results = parseCocoResults(fs.readFileSync(path.join(shared, 'instances_val2014_fakebbox100_results.json'), 'utf8'), 'results', dataset);
  const cocoEval = evaluateCoco(dataset, results);
  const tide = matchDetections(dataset, results, cocoEval).tide;
  const basis = tideApBasis({ perCategory: cocoEval.perCategory, tide, stats: cocoEval.stats, statKeys: ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'] });
  // Independent count: categories with detections and without non-crowd ground truth in these images.
  const gtCategories = new Set(dataset.annotations.filter((a) => !a.iscrowd).map((a) => a.category_id));
  const detectedOnly = new Set(results.map((r) => r.category_id).filter((c) => !gtCategories.has(c)));
  assert.equal(basis.withGroundTruth, gtCategories.size);
  assert.equal(basis.withoutGroundTruth.length, detectedOnly.size);
  assert.ok(detectedOnly.size > 0);
  assert.ok(basis.tideAp50 < basis.cocoAp50 - 1, `${basis.tideAp50} vs ${basis.cocoAp50}`);
  // Over COCOeval's categories TIDE's AP50 agrees with COCOeval's (pycocotools: 0.6970) to interpolation details.
  assert.ok(Math.abs(basis.sameCategories - 69.697) < 0.05, `${basis.sameCategories}`);
  assert.match(basis.text, new RegExp(`averages over ${gtCategories.size + detectedOnly.size} categories: the ${gtCategories.size} with ground truth and ${detectedOnly.size} the model detects`));
});

test('HTML and Markdown reports explain TIDE\'s AP average and print the post-NMS rescoring note once', () => {
  const data = reportWithGroundTruth();
  const html = buildHtmlReport(data, { plotlyJs: '', plotlyCss: '', sha256Base64, crops: new Map() });
  assert.match(html, /<p class="muted" id="tide-ap-basis">TIDE&#39;s AP50 \([\d.]+\) and COCOeval&#39;s \([\d.]+\) average over the same 2 categories with ground truth\.<\/p>/);
  const note = data.analysis!.rescoring!.note;
  assert.match(note, /post-NMS/);
  const count = (text: string, needle: string) => text.split(needle).length - 1;
  assert.equal(count(html, escapeHtml(note)), 1, 'the rescoring note once');
  const markdown = buildMarkdownReport(data, 'charts').markdown;
  assert.equal(count(markdown, escapeMarkdown(note)), 1);
  assert.match(markdown, /average over the same 2 categories with ground truth/);
});
