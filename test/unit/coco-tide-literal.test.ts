// matchDetections' TIDE part (restructured: typed arrays, one global sort shared by all oracle fixes) against a
// line-by-line transliteration of dbolya/tide (quantify.py TIDEExample/TIDERun incl. fix_errors, errors/error.py
// BestGTMatch, errors/main_errors.py, ap.py APDataObject/ClassedAPDataObject) on seeded random cases with heavy
// score ties, crowd regions, images without GT or predictions and more than 100 predictions per image.
// Error types, Miss lists, AP, every dAP and the special errors must be identical, not merely close.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CocoResult } from '../../extension/core/coco/categoryMapping.ts';
import type { CocoAnnotation, CocoDataset } from '../../extension/core/coco/cocoLoad.ts';
import { boxIoU, matchDetections, TIDE_MAIN_ERRORS } from '../../extension/core/coco/matching.ts';
import { createRng } from '../../extension/core/analytics/statistics.ts';

interface Obj { _id: number; score: number; image: number; class: number; bbox: number[]; ignore: boolean; used?: boolean | null; iou?: number; usable?: boolean; best_score?: number; best_id?: number; matched_with?: number; info?: unknown }
type Point = [score: number, isTrue: boolean];

class APDataObject {
  data_points = new Map<number, Point>();
  num_gt_positives = 0;
  push(id: number, score: number, isTrue: boolean) { this.data_points.set(id, [score, isTrue]); }
  add_gt_positives(n: number) { this.num_gt_positives += n; }
  is_empty() { return this.data_points.size === 0 && this.num_gt_positives === 0; }
  get_ap(): number {
    if (this.num_gt_positives === 0) return 0;
    const points = [...this.data_points.values()].sort((a, b) => -a[0] - -b[0]);
    const precisions: number[] = [], recalls: number[] = [];
    let numTrue = 0, numFalse = 0;
    for (const datum of points) {
      if (datum[1]) numTrue++; else numFalse++;
      precisions.push(numTrue / (numTrue + numFalse));
      recalls.push(numTrue / this.num_gt_positives);
    }
    for (let i = precisions.length - 1; i > 0; i--) if (precisions[i] > precisions[i - 1]) precisions[i - 1] = precisions[i];
    const yRange = new Array<number>(101).fill(0);
    const xRange = Array.from({ length: 101 }, (_, x) => x / 100);
    xRange.forEach((x, barIdx) => {
      let idx = 0;
      while (idx < recalls.length && recalls[idx] < x) idx++;
      if (idx < precisions.length) yRange[barIdx] = precisions[idx];
    });
    let sum = 0;
    for (const y of yRange) sum += y;
    return (sum / yRange.length) * 100;
  }
}

class ClassedAPDataObject {
  objs = new Map<number, APDataObject>();
  obj(cls: number) { let o = this.objs.get(cls); if (!o) { o = new APDataObject(); this.objs.set(cls, o); } return o; }
  push(cls: number, id: number, score: number, isTrue: boolean) { this.obj(cls).push(id, score, isTrue); }
  add_gt_positives(cls: number, n: number) { this.obj(cls).add_gt_positives(n); }
  get_mAP() { const aps = [...this.objs.values()].filter((o) => !o.is_empty()).map((o) => o.get_ap()); let s = 0; for (const ap of aps) s += ap; return s / aps.length; }
  get_gt_positives() { return new Map([...this.objs].map(([k, v]) => [k, v.num_gt_positives])); }
}

interface LiteralError { type: string; pred?: Obj; gt?: Obj; match?: { suppress: boolean } | null; original?: [number | null, Point | null]; fixed?: [number | null, Point | number | null] }

function literalTide(gtData: CocoDataset, results: CocoResult[]) {
  const pos = 0.5, bg = 0.1, maxDets = 100;
  const gtAnns: Obj[] = gtData.annotations.map((a, i) => ({ _id: i, score: 1, image: a.image_id, class: a.category_id, bbox: a.bbox, ignore: a.iscrowd === 1 }));
  const preds: Obj[] = results.map((r, i) => ({ _id: i, score: r.score, image: r.image_id, class: r.category_id, bbox: r.bbox, ignore: false }));
  const errors: LiteralError[] = [];
  const apData = new ClassedAPDataObject();
  const falseNegatives = new Map<number, Obj[]>(gtData.categories.map((c) => [c.id, []]));
  const bestGtMatch = (pred: Obj, gt: Obj) => {
    if (gt.used) return { suppress: true };
    gt.usable = true;
    if (gt.best_score === undefined) gt.best_score = -1;
    if (gt.best_score < pred.score) { gt.best_score = pred.score; gt.best_id = pred._id; }
    return { suppress: false };
  };
  for (const image of gtData.images.map((i) => i.id)) {
    const x = preds.filter((p) => p.image === image);
    const y = gtAnns.filter((g) => g.image === image);
    for (const truth of y) if (!truth.ignore) apData.add_gt_positives(truth.class, 1);
    if (x.length === 0) {
      for (const truth of y) if (!truth.ignore) { errors.push({ type: 'Miss', gt: truth }); falseNegatives.get(truth.class)!.push(truth); }
      continue;
    }
    // TIDEExample
    const ps = x.slice().sort((a, b) => -a.score - -b.score).slice(0, maxDets);
    const gt = y.filter((g) => !g.ignore), ignore = y.filter((g) => g.ignore);
    const gtIou = ps.map((p) => gt.map((g) => boxIoU(p.bbox, g.bbox)));
    ps.forEach((p) => { p.used = false; p.iou = 0; });
    gt.forEach((g) => { g.used = false; g.usable = false; });
    const clsMatch = ps.map((p) => gt.map((g) => p.class === g.class));
    const gtClsIou = gtIou.map((row, i) => row.map((v, j) => (clsMatch[i][j] ? v : 0)));
    if (gt.length > 0) {
      const buffer = gtClsIou.map((row) => row.slice());
      ps.forEach((p, i) => {
        let gi = 0;
        for (let j = 1; j < gt.length; j++) if (buffer[i][j] > buffer[i][gi]) gi = j;
        p.iou = Math.max(...gtClsIou[i]);
        if (buffer[i][gi] >= pos) { p.used = true; gt[gi].used = true; p.matched_with = gt[gi]._id; buffer.forEach((row) => { row[gi] = 0; }); }
      });
    }
    for (const region of ignore) {
      ps.forEach((p) => { if (p.used === false && boxIoU(p.bbox, region.bbox, true) > pos && region.class === p.class) p.used = null; });
    }
    const argmax = (row: number[]) => { let k = 0; for (let j = 1; j < row.length; j++) if (row[j] > row[k]) k = j; return k; };
    ps.forEach((p, i) => {
      if (p.used !== null) apData.push(p.class, p._id, p.score, p.used === true);
      if (p.used !== false) return;
      if (gt.length === 0) { errors.push({ type: 'Bkg', pred: p }); return; }
      let idx = argmax(gtClsIou[i]);
      if (bg <= gtClsIou[i][idx] && gtClsIou[i][idx] <= pos) { errors.push({ type: 'Loc', pred: p, gt: gt[idx], match: gt[idx].used ? null : bestGtMatch(p, gt[idx]) }); return; }
      const noncls = gtIou[i].map((v, j) => (clsMatch[i][j] ? 0 : v));
      idx = argmax(noncls);
      if (noncls[idx] >= pos) { errors.push({ type: 'Cls', pred: p, gt: gt[idx], match: gt[idx].used ? null : bestGtMatch(p, gt[idx]) }); return; }
      const usedCls = gtIou[i].map((v, j) => (gt[j].used === true && clsMatch[i][j] ? v : 0));
      idx = argmax(usedCls);
      if (usedCls[idx] >= pos) { errors.push({ type: 'Dupe', pred: p }); return; }
      idx = argmax(gtIou[i]);
      if (gtIou[i][idx] <= bg) { errors.push({ type: 'Bkg', pred: p }); return; }
      errors.push({ type: 'Both', pred: p });
    });
    for (const truth of y) {
      if (!truth.ignore && !truth.used) {
        falseNegatives.get(truth.class)!.push(truth);
        if (!truth.usable) errors.push({ type: 'Miss', gt: truth });
      }
    }
  }
  // error.original / error.fixed, computed after the run (best_id is final then).
  for (const e of errors) {
    e.original = e.pred ? [e.pred.class, [e.pred.score, false]] : [null, null];
    if (e.type === 'Cls' || e.type === 'Loc') {
      const fix = !e.match || e.match.suppress || e.gt!.best_id !== e.pred!._id ? null : ([e.pred!.score, true] as Point);
      e.fixed = e.match ? [e.type === 'Cls' ? e.gt!.class : e.pred!.class, fix] : [null, null];
    } else if (e.type === 'Miss') e.fixed = [e.gt!.class, -1];
    else e.fixed = [null, null];
  }
  const ap = apData.get_mAP();
  const fixErrors = (condition: (e: LiteralError) => boolean, transform?: (p: Point) => Point, fnDict?: Map<number, Obj[]>) => {
    const gtPos = apData.get_gt_positives();
    const out = new ClassedAPDataObject();
    errors.forEach((error) => {
      const id = error.pred ? error.pred._id : error.gt!._id;
      let [cls, point] = error.original! as [number | null, Point | number | null];
      if (condition(error)) {
        [cls, point] = error.fixed!;
        if (typeof point === 'number') { gtPos.set(cls!, gtPos.get(cls!)! + point); point = null; }
      }
      if (point !== null && cls !== null) { const p = transform ? transform(point as Point) : (point as Point); out.push(cls, id, p[0], p[1]); }
    });
    for (const k of gtPos.keys()) for (const [id, [score, correct]] of apData.objs.get(k)!.data_points) if (correct) { const p = transform ? transform([score, correct]) : ([score, correct] as Point); out.push(k, id, p[0], p[1]); }
    for (const [k, v0] of gtPos) out.add_gt_positives(k, fnDict?.has(k) ? v0 - fnDict.get(k)!.length : v0);
    return out;
  };
  const dAP: Record<string, number> = {};
  for (const type of TIDE_MAIN_ERRORS) dAP[type] = Math.max(fixErrors((e) => e.type === type).get_mAP() - ap, 0);
  const special = {
    FalsePos: fixErrors(() => false, ([, correct]) => (correct ? [1, true] : [0, false])).get_mAP() - ap,
    FalseNeg: fixErrors(() => false, undefined, falseNegatives).get_mAP() - ap,
  };
  const errorOfPred = new Array<string | null>(results.length).fill(null);
  for (const e of errors) if (e.pred) errorOfPred[e.pred._id] = e.type;
  return { ap, dAP, special, errorOfPred, missed: errors.filter((e) => e.type === 'Miss').map((e) => gtData.annotations[e.gt!._id].id) };
}

function randomCase(seed: number): { gt: CocoDataset; dets: CocoResult[] } {
  const random = createRng(seed);
  const categoryIds = [1, 2, 5, 9];
  const imageIds = Array.from({ length: 30 }, (_, i) => 500 - i * 7);
  const annotations: CocoAnnotation[] = [];
  const dets: CocoResult[] = [];
  let annId = 1;
  const box = (): [number, number, number, number] => [Math.floor(random() * 200), Math.floor(random() * 200), 5 + Math.floor(random() * 80), 5 + Math.floor(random() * 80)];
  for (const imageId of imageIds) {
    const count = random() < 0.15 ? 0 : Math.floor(random() * 7);
    for (let n = 0; n < count; n++) {
      const bbox = box();
      annotations.push({ id: annId++, image_id: imageId, category_id: categoryIds[Math.floor(random() * 4)], bbox, area: bbox[2] * bbox[3], iscrowd: random() < 0.1 ? 1 : 0 });
    }
  }
  imageIds.forEach((imageId, index) => {
    const count = index === 3 ? 120 : random() < 0.15 ? 0 : Math.floor(random() * 10);
    const nearby = annotations.filter((a) => a.image_id === imageId);
    for (let n = 0; n < count; n++) {
      let bbox = box();
      if (nearby.length > 0 && random() < 0.75) {
        const t = nearby[Math.floor(random() * nearby.length)].bbox;
        const j = () => Math.round((random() - 0.5) * 0.8 * t[2]);
        bbox = [t[0] + j(), t[1] + j(), Math.max(1, t[2] + j()), Math.max(1, t[3] + j())];
      }
      // Scores on a 0.1 grid: ties everywhere. Class right most of the time.
      const category = nearby.length > 0 && random() < 0.6 ? nearby[Math.floor(random() * nearby.length)].category_id : categoryIds[Math.floor(random() * 4)];
      dets.push({ image_id: imageId, category_id: category, bbox, score: Math.round(random() * 10) / 10 });
    }
  });
  return { gt: { images: imageIds.map((id) => ({ id, file_name: `${id}.jpg`, width: 320, height: 320 })), annotations, categories: categoryIds.map((id) => ({ id, name: `c${id}` })), warnings: [] }, dets };
}

for (const seed of [11, 12, 13, 14]) {
  test(`TIDE errors, Miss, AP, dAP and special errors identical to a literal TIDE transliteration (seed ${seed})`, () => {
    const { gt, dets } = randomCase(seed);
    const literal = literalTide(gt, dets);
    const ours = matchDetections(gt, dets);
    assert.deepEqual(ours.matches.map((m) => m.error), literal.errorOfPred);
    assert.deepEqual(ours.missedGtIds, literal.missed);
    assert.equal(ours.tide.ap, literal.ap);
    for (const type of TIDE_MAIN_ERRORS) assert.equal(ours.tide.dAP[type], literal.dAP[type], `dAP ${type}`);
    assert.equal(ours.tide.specialDAP.FalsePos, literal.special.FalsePos);
    assert.equal(ours.tide.specialDAP.FalseNeg, literal.special.FalseNeg);
    // The case must contain every error type and a non-zero fix for several of them.
    for (const type of TIDE_MAIN_ERRORS) assert.ok(ours.tide.counts[type] > 0, `no ${type} errors in seed ${seed}`);
    assert.ok(TIDE_MAIN_ERRORS.filter((type) => ours.tide.dAP[type] > 0).length >= 3);
  });
}
