// The A/B view's payload for one image of two compared runs: both runs' boxes (with distributions) and the ground
// truth. Pure (no vscode): the image URI comes in, so the exact payload is unit-tested.
import type { CocoAnnotation } from '../core/coco/cocoLoad.ts';
import { cocoBoxIoU } from '../core/analytics/thresholdMatching.ts';
import type { RunImageRecord } from '../core/runFormat.ts';
import type { ComparedBox, ComparedImage } from '../protocol/messages.ts';
import type { ComparedSideInfo } from '../state/analysisWorker.ts';
import { gtEdgeDistances, xywhToXyxy } from '../state/runModel.ts';

function boxes(record: RunImageRecord, side: ComparedSideInfo, groundTruth: CocoAnnotation[]): ComparedBox[] {
  return record.detections.map((d, detIndex): ComparedBox => {
    const category = side.classToCategory[d.classIndex];
    let best: CocoAnnotation | undefined;
    let bestIoU = 0;
    const xywh = [d.bbox[0], d.bbox[1], d.bbox[2] - d.bbox[0], d.bbox[3] - d.bbox[1]];
    for (const g of groundTruth) {
      if (g.category_id !== category || g.iscrowd === 1) continue;
      const iou = cocoBoxIoU(xywh, g.bbox, false);
      if (iou > bestIoU) { bestIoU = iou; best = g; }
    }
    return {
      detIndex, bbox: d.bbox, score: d.score, className: side.classNames[d.classIndex] ?? `class ${d.classIndex}`,
      edgeProbs: side.hasDistributions && d.edgeProbs ? d.edgeProbs : null, distances: d.distances,
      gtDistances: best && side.hasDistributions ? gtEdgeDistances(d.anchor, d.stride, xywhToXyxy(best.bbox), record.transform) : null,
    };
  });
}

export function comparedImage(
  a: RunImageRecord, b: RunImageRecord, groundTruth: CocoAnnotation[], sideA: ComparedSideInfo, sideB: ComparedSideInfo,
  categoryName: ReadonlyMap<number, string>, uri: string | null, focus: ComparedImage['focus'],
): ComparedImage {
  if (a.imageId !== b.imageId) throw new Error(`image ids differ: ${a.imageId} in A, ${b.imageId} in B`);
  return {
    imageId: a.imageId, file: a.file, uri, width: a.width, height: a.height,
    a: { label: sideA.label, regMax: sideA.regMax, boxes: boxes(a, sideA, groundTruth) },
    b: { label: sideB.label, regMax: sideB.regMax, boxes: boxes(b, sideB, groundTruth) },
    groundTruth: groundTruth.map((g) => ({ id: g.id, bbox: xywhToXyxy(g.bbox), className: categoryName.get(g.category_id) ?? `category ${g.category_id}`, crowd: g.iscrowd === 1 })),
    focus,
  };
}
