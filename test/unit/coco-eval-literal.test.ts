// evaluateCoco (restructured for speed) against a line-by-line transliteration of pycocotools COCOeval
// (evaluate → computeIoU → evaluateImg → accumulate → summarize, cocoapi PythonAPI/pycocotools/cocoeval.py)
// on a seeded random case full of the hard parts: crowd regions, area ≠ w·h, heavy score ties, more than 100
// detections per (image, category), sparse category ids, images without GT. The precision, recall and scores
// arrays must be identical element by element, not merely close.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CocoResult } from '../../extension/core/coco/categoryMapping.ts';
import { evaluateCoco } from '../../extension/core/coco/cocoEval.ts';
import type { CocoAnnotation, CocoDataset } from '../../extension/core/coco/cocoLoad.ts';
import { createRng } from '../../extension/core/analytics/statistics.ts';

interface Ann { id: number; image_id: number; category_id: number; bbox: number[]; area: number; iscrowd: number; score: number; ignore: number; _ignore?: number }

/** np.argsort(values, kind='mergesort'): stable ascending (Array.prototype.sort is stable). */
function argsortStable(values: number[]): number[] {
  return values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
}

/** maskUtils.iou for bbox lists: o[d][g]. */
function maskIou(d: number[][], g: number[][], iscrowd: number[]): number[][] {
  return d.map((D) => g.map((G, gi) => {
    const w = Math.min(D[2] + D[0], G[2] + G[0]) - Math.max(D[0], G[0]);
    if (w <= 0) return 0;
    const h = Math.min(D[3] + D[1], G[3] + G[1]) - Math.max(D[1], G[1]);
    if (h <= 0) return 0;
    const i = w * h;
    const u = iscrowd[gi] ? D[2] * D[3] : D[2] * D[3] + G[2] * G[3] - i;
    return i / u;
  }));
}

function literalCocoEval(gtAnns: CocoAnnotation[], imageIds: number[], categoryIds: number[], results: CocoResult[]) {
  const iouThrs = Array.from({ length: 10 }, (_, i) => i * ((0.95 - 0.5) / 9) + 0.5);
  iouThrs[9] = 0.95;
  const recThrs = Array.from({ length: 101 }, (_, i) => i * ((1 - 0) / 100) + 0);
  recThrs[100] = 1;
  const maxDets = [1, 10, 100];
  const areaRng = [[0, 1e5 ** 2], [0, 32 ** 2], [32 ** 2, 96 ** 2], [96 ** 2, 1e5 ** 2]];
  const imgIds = [...new Set(imageIds)].sort((a, b) => a - b);
  const catIds = [...new Set(categoryIds)].sort((a, b) => a - b);
  // loadRes: ids 1.., area = w·h, iscrowd 0.
  const dts: Ann[] = results.map((r, i) => ({ ...r, bbox: [...r.bbox], id: i + 1, area: r.bbox[2] * r.bbox[3], iscrowd: 0, ignore: 0 }));
  const gts: Ann[] = gtAnns.map((a) => ({ ...a, bbox: [...a.bbox], score: 0, ignore: a.iscrowd }));
  // _prepare: getAnnIds(imgIds=…) walks images in imgIds order, annotations in file order per image.
  const key = (i: number, c: number) => `${i},${c}`;
  const _gts = new Map<string, Ann[]>(), _dts = new Map<string, Ann[]>();
  for (const imgId of imgIds) {
    for (const g of gts) if (g.image_id === imgId && catIds.includes(g.category_id)) (_gts.get(key(imgId, g.category_id)) ?? _gts.set(key(imgId, g.category_id), []).get(key(imgId, g.category_id))!).push(g);
    for (const d of dts) if (d.image_id === imgId && catIds.includes(d.category_id)) (_dts.get(key(imgId, d.category_id)) ?? _dts.set(key(imgId, d.category_id), []).get(key(imgId, d.category_id))!).push(d);
  }
  const computeIoU = (imgId: number, catId: number): number[][] => {
    const gt = _gts.get(key(imgId, catId)) ?? [];
    let dt = _dts.get(key(imgId, catId)) ?? [];
    if (gt.length === 0 && dt.length === 0) return [];
    const inds = argsortStable(dt.map((d) => -d.score));
    dt = inds.map((i) => dt[i]).slice(0, maxDets[maxDets.length - 1]);
    return maskIou(dt.map((d) => d.bbox), gt.map((g) => g.bbox), gt.map((o) => o.iscrowd));
  };
  const ious = new Map<string, number[][]>();
  for (const imgId of imgIds) for (const catId of catIds) ious.set(key(imgId, catId), computeIoU(imgId, catId));

  type EvalImg = { dtIds: number[]; gtIds: number[]; dtMatches: number[][]; gtMatches: number[][]; dtScores: number[]; gtIgnore: number[]; dtIgnore: boolean[][] } | null;
  const evaluateImg = (imgId: number, catId: number, aRng: number[], maxDet: number): EvalImg => {
    let gt = _gts.get(key(imgId, catId)) ?? [];
    let dt = _dts.get(key(imgId, catId)) ?? [];
    if (gt.length === 0 && dt.length === 0) return null;
    for (const g of gt) g._ignore = g.ignore || g.area < aRng[0] || g.area > aRng[1] ? 1 : 0;
    const gtind = argsortStable(gt.map((g) => g._ignore!));
    gt = gtind.map((i) => gt[i]);
    const dtind = argsortStable(dt.map((d) => -d.score));
    dt = dtind.slice(0, maxDet).map((i) => dt[i]);
    const iscrowd = gt.map((o) => o.iscrowd);
    const full = ious.get(key(imgId, catId))!;
    const iouMat = full.length > 0 ? full.map((row) => gtind.map((i) => row[i])) : full;
    const T = iouThrs.length, G = gt.length, D = dt.length;
    const gtm = Array.from({ length: T }, () => new Array<number>(G).fill(0));
    const dtm = Array.from({ length: T }, () => new Array<number>(D).fill(0));
    const gtIg = gt.map((g) => g._ignore!);
    const dtIg = Array.from({ length: T }, () => new Array<boolean>(D).fill(false));
    if (iouMat.length !== 0) {
      iouThrs.forEach((t, tind) => {
        dt.forEach((d, dind) => {
          let iou = Math.min(t, 1 - 1e-10);
          let m = -1;
          for (let gind = 0; gind < G; gind++) {
            if (gtm[tind][gind] > 0 && !iscrowd[gind]) continue;
            if (m > -1 && gtIg[m] === 0 && gtIg[gind] === 1) break;
            if (iouMat[dind][gind] < iou) continue;
            iou = iouMat[dind][gind];
            m = gind;
          }
          if (m === -1) return;
          dtIg[tind][dind] = gtIg[m] === 1;
          dtm[tind][dind] = gt[m].id;
          gtm[tind][m] = d.id;
        });
      });
    }
    const a = dt.map((d) => d.area < aRng[0] || d.area > aRng[1]);
    for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) dtIg[t][d] = dtIg[t][d] || (dtm[t][d] === 0 && a[d]);
    return { dtIds: dt.map((d) => d.id), gtIds: gt.map((g) => g.id), dtMatches: dtm, gtMatches: gtm, dtScores: dt.map((d) => d.score), gtIgnore: gtIg, dtIgnore: dtIg };
  };
  const evalImgs: EvalImg[] = [];
  for (const catId of catIds) for (const aRng of areaRng) for (const imgId of imgIds) evalImgs.push(evaluateImg(imgId, catId, aRng, maxDets[maxDets.length - 1]));

  // accumulate
  const T = iouThrs.length, R = recThrs.length, K = catIds.length, A = areaRng.length, M = maxDets.length;
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  const scores = new Float64Array(T * R * K * A * M).fill(-1);
  const I0 = imgIds.length, A0 = areaRng.length;
  for (let k = 0; k < K; k++) {
    const Nk = k * A0 * I0;
    for (let a = 0; a < A; a++) {
      const Na = a * I0;
      for (let m = 0; m < M; m++) {
        const maxDet = maxDets[m];
        const E = imgIds.map((_, i) => evalImgs[Nk + Na + i]).filter((e) => e !== null);
        if (E.length === 0) continue;
        const dtScores = E.flatMap((e) => e!.dtScores.slice(0, maxDet));
        const inds = argsortStable(dtScores.map((s) => -s));
        const dtScoresSorted = inds.map((i) => dtScores[i]);
        const dtm = Array.from({ length: T }, (_, t) => { const row = E.flatMap((e) => e!.dtMatches[t].slice(0, maxDet)); return inds.map((i) => row[i]); });
        const dtIg = Array.from({ length: T }, (_, t) => { const row = E.flatMap((e) => e!.dtIgnore[t].slice(0, maxDet)); return inds.map((i) => row[i]); });
        const gtIg = E.flatMap((e) => e!.gtIgnore);
        const npig = gtIg.filter((g) => g === 0).length;
        if (npig === 0) continue;
        for (let t = 0; t < T; t++) {
          let tpSum = 0, fpSum = 0;
          const tp: number[] = [], fp: number[] = [];
          for (let j = 0; j < dtm[t].length; j++) {
            if (dtm[t][j] && !dtIg[t][j]) tpSum++;
            if (!dtm[t][j] && !dtIg[t][j]) fpSum++;
            tp.push(tpSum);
            fp.push(fpSum);
          }
          const nd = tp.length;
          const rc = tp.map((v) => v / npig);
          const pr = tp.map((v, j) => v / (fp[j] + v + 2.220446049250313e-16));
          const q = new Array<number>(R).fill(0), ss = new Array<number>(R).fill(0);
          recall[((t * K + k) * A + a) * M + m] = nd ? rc[nd - 1] : 0;
          for (let i = nd - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
          const found = recThrs.map((x) => { let lo = 0; while (lo < nd && rc[lo] < x) lo++; return lo; });
          for (let ri = 0; ri < R; ri++) {
            const pi = found[ri];
            if (pi >= nd) break; // IndexError ends the loop in pycocotools' try/except
            q[ri] = pr[pi];
            ss[ri] = dtScoresSorted[pi];
          }
          for (let r = 0; r < R; r++) {
            precision[(((t * R + r) * K + k) * A + a) * M + m] = q[r];
            scores[(((t * R + r) * K + k) * A + a) * M + m] = ss[r];
          }
        }
      }
    }
  }
  return { precision, recall, scores };
}

function randomCase(seed: number): { gt: CocoDataset; dets: CocoResult[] } {
  const random = createRng(seed);
  // Category 55 never has GT: its precision stays −1.
  const categories = [3, 17, 40, 41, 90, 55].map((id) => ({ id, name: `c${id}` }));
  const imageIds = Array.from({ length: 40 }, (_, i) => 1000 - i * 13); // descending in the file: sorting matters
  const annotations: CocoAnnotation[] = [];
  const dets: CocoResult[] = [];
  let annId = 1;
  const box = (): [number, number, number, number] => {
    const w = 2 + Math.floor(random() * 150), h = 2 + Math.floor(random() * 150);
    return [Math.floor(random() * 300), Math.floor(random() * 300), w, h];
  };
  for (const imageId of imageIds) {
    if (random() < 0.15) continue; // images without GT
    const count = Math.floor(random() * 8);
    for (let n = 0; n < count; n++) {
      const bbox = box();
      const crowd = random() < 0.15 ? 1 : 0;
      // area ≠ w·h most of the time, sometimes crossing a range boundary.
      const area = Math.round(bbox[2] * bbox[3] * (0.3 + random() * 1.2));
      annotations.push({ id: annId++, image_id: imageId, category_id: categories[Math.floor(random() * 5)].id, bbox, area, iscrowd: crowd });
    }
  }
  const nearBox = (imageId: number): [number, number, number, number] => {
    const nearby = annotations.filter((a) => a.image_id === imageId);
    if (nearby.length === 0 || random() > 0.7) return box();
    const target = nearby[Math.floor(random() * nearby.length)].bbox;
    const jitter = () => Math.round((random() - 0.5) * 0.4 * target[2]);
    return [target[0] + jitter(), target[1] + jitter(), Math.max(1, target[2] + jitter()), Math.max(1, target[3] + jitter())];
  };
  // Scores on a 0.05 grid: many ties inside and across images.
  const add = (imageId: number, categoryId: number) => dets.push({ image_id: imageId, category_id: categoryId, bbox: nearBox(imageId), score: Math.round(random() * 20) / 20 });
  const common = [17, 41, 90];
  imageIds.forEach((imageId, index) => {
    // Some (image, category) pairs get 130 detections: the maxDets 100 cut.
    const many = random() < 0.1;
    const manyCategory = common[Math.floor(random() * common.length)];
    const count = many ? 130 : Math.floor(random() * 12);
    for (let n = 0; n < count; n++) add(imageId, many ? manyCategory : common[Math.floor(random() * common.length)]);
    // Category 3: at most 2 per image (so maxDets 1 and 10 differ only there); category 40: exactly 11 on one
    // image (so maxDets 10 and 100 differ by one detection), fewer elsewhere.
    const pairCount = index === 0 ? 2 : Math.floor(random() * 3);
    for (let n = 0; n < pairCount; n++) add(imageId, 3);
    const elevenCount = index === 1 ? 11 : Math.floor(random() * 6);
    for (let n = 0; n < elevenCount; n++) add(imageId, 40);
  });
  return {
    gt: { images: imageIds.map((id) => ({ id, file_name: `${id}.jpg`, width: 640, height: 480 })), annotations, categories, warnings: [] },
    dets,
  };
}

for (const seed of [1, 2, 3]) {
  test(`identical precision, recall and scores arrays to a literal COCOeval transliteration (seed ${seed})`, () => {
    const { gt, dets } = randomCase(seed);
    const fast = evaluateCoco(gt, dets);
    const literal = literalCocoEval(gt.annotations, gt.images.map((i) => i.id), gt.categories.map((c) => c.id), dets);
    assert.ok(dets.length > 200, `${dets.length} detections`);
    assert.ok(gt.annotations.some((a) => a.iscrowd), "a crowd region");
    for (const [name, a, b] of [['precision', fast.precision, literal.precision], ['recall', fast.recall, literal.recall], ['scores', fast.scores, literal.scores]] as const) {
      assert.equal(a.length, b.length, name);
      for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`${name}[${i}]: ${a[i]} vs literal ${b[i]}`);
    }
    // The random case must exercise defined and undefined entries both.
    assert.ok(fast.precision.some((v) => v > 0) && fast.precision.some((v) => v === -1));
  });
}
