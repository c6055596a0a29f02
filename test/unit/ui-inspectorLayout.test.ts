// The inspector's pure geometry (webview/lib/inspectorLayout.ts), on hand-computed cases: zoom to a failure, the
// threshold restored after a focused item, labels without overlaps at a constant on-screen size, edge bands.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clampPan, edgeBands, edgePositionPx, fitView, focusThreshold, focusView, FOCUS_FILL, LABEL_FONT_PX, MAX_PIXEL_ZOOM, pixelsPerBin, placeLabels, secondMode,
} from '../../webview/lib/inspectorLayout.ts';

const stage = { width: 800, height: 600 };
const image = { width: 640, height: 480 };

test('fitView: the whole image, centred', () => {
  // min(800/640, 600/480) = 1.25 → 800 × 600 exactly.
  assert.deepEqual(fitView(stage, image), { zoom: 1.25, panX: 0, panY: 0 });
  // Portrait 810×1080 in 800×600: zoom 600/1080, centred horizontally.
  const v = fitView(stage, { width: 810, height: 1080 });
  assert.ok(Math.abs(v.zoom - 600 / 1080) < 1e-12);
  assert.ok(Math.abs(v.panX - (800 - 810 * v.zoom) / 2) < 1e-9);
});

test('focusView: a small failure and its ground truth fill FOCUS_FILL of the stage, centred', () => {
  // Union of [100,100,120,110] and [110,105,140,125]: [100,100,140,125], 40 × 25 px, centre (120, 112.5).
  const v = focusView(stage, image, [[100, 100, 120, 110], [110, 105, 140, 125]]);
  const wanted = Math.min((800 * FOCUS_FILL) / 40, (600 * FOCUS_FILL) / 25); // min(9, 10.8) = 9 → capped at 8
  assert.equal(v.zoom, Math.min(wanted, MAX_PIXEL_ZOOM));
  assert.ok(Math.abs(v.panX + 120 * v.zoom - 400) < 1e-9, 'centred horizontally');
  assert.ok(Math.abs(v.panY + 112.5 * v.zoom - 300) < 1e-9, 'centred vertically');
  // A 100 × 50 box: zoom min(360/100, 270/50) = 3.6, not capped.
  assert.ok(Math.abs(focusView(stage, image, [[0, 0, 100, 50]]).zoom - 3.6) < 1e-12);
  // Near a border the image is not pulled off the stage: a box at the top-left corner shows the corner at (0, 0).
  const corner = focusView(stage, image, [[0, 0, 40, 25]]);
  assert.equal(corner.panX, 0);
  assert.equal(corner.panY, 0);
  // Barely more than the fit (the image would overflow one axis by a little): centred on the axis where it fits.
  // Union 300 × 220 at the right: wanted min(360/300, 270/220) = 1.2 < fit 1.25 → the fitted view.
  assert.deepEqual(focusView(stage, image, [[340, 100, 640, 320]]), fitView(stage, image));
  // A box as large as the image is shown fitted, never smaller than the fitted image.
  assert.deepEqual(focusView(stage, image, [[0, 0, 640, 480]]), fitView(stage, image));
  assert.deepEqual(focusView(stage, image, []), fitView(stage, image));
});

test('clampPan: centred when smaller than the stage, else no margin beyond the image', () => {
  assert.equal(clampPan(-50, 800, 600), 100);
  assert.equal(clampPan(100, 800, 1600), 0);
  assert.equal(clampPan(-1000, 800, 1600), -800);
  assert.equal(clampPan(-300, 800, 1600), -300);
});

test('focusView: a ground truth annotated past the image border stays whole on the stage', () => {
  // The demo dataset annotates boxes beyond its 320 × 320 images (e.g. y1 = −15.2, x2 = 332.9): at the top-right
  // corner, a detection and such a ground truth must both lie inside the 800 × 600 stage after zooming to them.
  const small = { width: 320, height: 320 };
  const boxes = [[280, 0, 318, 30], [285, -15.2, 332.9, 28]];
  const v = focusView(stage, small, boxes);
  assert.ok(v.zoom > fitView(stage, small).zoom);
  for (const [x1, y1, x2, y2] of boxes) {
    assert.ok(v.panX + x1 * v.zoom >= -1e-9 && v.panX + x2 * v.zoom <= 800 + 1e-9, `x ${x1}..${x2} on the stage`);
    assert.ok(v.panY + y1 * v.zoom >= -1e-9 && v.panY + y2 * v.zoom <= 600 + 1e-9, `y ${y1}..${y2} on the stage`);
  }
  // Beyond the union nothing but the image is shown: the stage's right edge is the ground truth's right edge.
  assert.ok(Math.abs(v.panX + 332.9 * v.zoom - 800) < 1e-9);
  assert.ok(Math.abs(v.panY - 15.2 * v.zoom) < 1e-9);
});

test('clampPan: content that starts before the pan origin (a box left of or above the image)', () => {
  // Content from −100 to 1500 (1600 long) on an 800 stage: pan in [800 − 1600 + 100, 100] = [−700, 100].
  assert.equal(clampPan(500, 800, 1600, -100), 100);
  assert.equal(clampPan(-2000, 800, 1600, -100), -700);
  // Smaller than the stage: centred, the offset included.
  assert.equal(clampPan(0, 800, 600, -50), 150);
});

test('focusThreshold: lowered for a low-scoring focused item only', () => {
  assert.equal(focusThreshold(0.3, 0.12), 0.12);
  assert.equal(focusThreshold(0.3, 0.8), 0.3, 'the next item, scoring above, gets the user threshold back');
  assert.equal(focusThreshold(0.3, null), 0.3);
});

const overlaps = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

test('placeLabels: no two labels overlap; crowded low-priority labels are left out; constant on-screen size', () => {
  // Ten boxes stacked 3 px apart: their labels would all pile up at the same place.
  const requests = Array.from({ length: 10 }, (_, i) => ({ id: i, text: `person 0.${90 - i}`, box: [100, 100 + 3 * i, 200, 200 + 3 * i], priority: 0.9 - i / 100, always: false }));
  for (const zoom of [1, 4]) {
    const placed = placeLabels(requests, zoom);
    for (let a = 0; a < placed.length; a++) for (let b = a + 1; b < placed.length; b++) assert.ok(!overlaps(placed[a], placed[b]), `labels ${placed[a].id} and ${placed[b].id} overlap at zoom ${zoom}`);
    if (zoom === 1) assert.ok(placed.length < requests.length, 'some labels are left out when dense');
    assert.ok(placed.some((p) => p.id === 0), 'the highest score keeps its label');
    // Font size in image pixels × zoom = the constant on-screen size.
    for (const p of placed) assert.ok(Math.abs(p.fontSize * zoom - LABEL_FONT_PX) < 1e-12);
  }
  // Zoomed in 4×, the same boxes (12 image px apart at most) have room for more labels than at 1×.
  assert.ok(placeLabels(requests, 4).length >= placeLabels(requests, 1).length);
});

test('placeLabels: the selected label is always shown and comes last (drawn on top)', () => {
  const requests = Array.from({ length: 6 }, (_, i) => ({ id: i, text: 'car 0.50', box: [10, 10, 60, 60], priority: 1 - i / 10, always: false }));
  requests[5] = { ...requests[5], priority: Infinity, always: true };
  const placed = placeLabels(requests, 1);
  assert.equal(placed.at(-1)!.id, 5);
  assert.ok(placed.length < 6);
});

test('secondMode follows edgeStats\' definition (a dip between the peaks)', () => {
  assert.deepEqual(secondMode([0, 0.1, 0.5, 0.1, 0.05, 0.25, 0, 0]), { bin: 5, ratio: 0.5 });
  assert.equal(secondMode([0, 0.1, 0.5, 0.3, 0.1, 0, 0, 0]), null, 'a shoulder is not a mode');
  assert.equal(secondMode([0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125]), null, 'a plateau counts once');
});

test('edgeBands: expected position ± std in image pixels through the letterbox transform', () => {
  // Letterbox scale 0.5, pad (0, 40); stride 8; anchor (100, 120) in input px → original x = 200, y = 160.
  const t = { scaleX: 0.5, scaleY: 0.5, padX: 0, padY: 40 };
  assert.equal(edgePositionPx(0, 2, [100, 120], 8, t), (100 - 16) / 0.5);
  assert.equal(edgePositionPx(3, 2, [100, 120], 8, t), (120 + 16 - 40) / 0.5);
  assert.equal(pixelsPerBin(1, 8, t), 16);
  // Two bins 2 and 4 at 0.5 each: mean 3, std 1 bin = 16 px; bimodal (ratio 1) → second mode drawn at bin 2 or 4.
  const probs = [0, 0, 0.5, 0, 0.5, 0, 0, 0];
  const bands = edgeBands({ anchor: [100, 120], stride: 8, distances: [3, 3, 3, 3], edgeProbs: [...probs, ...probs, ...probs, ...probs] }, 8, t);
  const left = bands[0];
  assert.equal(left.position, (100 - 24) / 0.5);
  assert.ok(Math.abs(left.high - left.position - 16) < 1e-9 && Math.abs(left.position - left.low - 16) < 1e-9);
  assert.ok(left.secondMode === (100 - 32) / 0.5 || left.secondMode === (100 - 16) / 0.5);
  // A one-bin distribution: no spread, no second mode.
  const sharp = [0, 0, 0, 1, 0, 0, 0, 0];
  const b = edgeBands({ anchor: [100, 120], stride: 8, distances: [3, 3, 3, 3], edgeProbs: [...sharp, ...sharp, ...sharp, ...sharp] }, 8, t)[2];
  assert.equal(b.low, b.high);
  assert.equal(b.secondMode, null);
});
