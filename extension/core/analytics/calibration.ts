// Calibration of detection scores: reliability diagrams and the localisation-aware calibration errors.
//
// Definitions used (checked against the authors' code, fiveai/detection_calibration coco_calibration.py and
// fiveai/saod tools/analysis_tools/saod_evaluation.py):
//  • Matching: COCOeval greedy matching at threshold τ, area "all", maxDets 100 (thresholdMatching.ts); detections
//    COCOeval ignores (crowd matches) are left out; a class counts only if it has ground truth and ≥ 1 detection.
//  • Target: IoU with the matched ground truth for a true positive, 0 for a false positive (LaECE family); 1/0 for
//    TP/FP (D-ECE).
//  • Bins: equal width on [0, 1], first bin [0, 1/B], then (j/B, (j+1)/B] (the convention of detection_calibration).
//  • LaECE_τ = (1/K) Σ_c Σ_j (|D̂_j^c| / |D̂^c|) · |p̄_j^c − ĪoU_j^c|  (Oksuz et al., CVPR 2023, Eq. 4; Kuzucu et al., ECCV 2024).
//  • LaACE₀: the same with adaptive (equal-mass) bins; the authors' LaACE₀ uses one detection per bin, i.e.
//    (1/K) Σ_c mean_i |p_i − IoU_i| (Kuzucu et al., ECCV 2024), which is the default here.
//  • D-ECE = Σ_j (|D̂_j| / |D̂|) · |p̄_j − precision_j|, class-agnostic, binary TP target at IoU 0.5 (Küppers et al.,
//    CVPR-W 2020, confidence-only case), 10 bins as in detection_calibration's D-ECE evaluation.
// Known differences from the reference code: scores exactly on a bin edge may land one bin apart (floating point);
// the reference LaACE₀ implementation also averages ignored detections of a class and drops classes whose error is
// exactly 0, neither of which is reproduced here (both are artefacts, not part of the published definition).

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  /** Mean score and mean target of the bin; null for an empty bin. */
  meanScore: number | null;
  meanTarget: number | null;
}

/** Equal-width bin of a score in [0, 1]: [0, 1/B] is bin 0, (j/B, (j+1)/B] is bin j. Out-of-range scores clamp. */
export function equalWidthBin(score: number, bins: number): number {
  if (!(score > 0)) return 0;
  const index = Math.ceil(score * bins) - 1;
  return index < 0 ? 0 : index >= bins ? bins - 1 : index;
}

/** Reliability diagram data: per equal-width score bin its count, mean score and mean target (IoU or precision). */
export function reliabilityDiagram(
  scores: ArrayLike<number>,
  targets: ArrayLike<number>,
  indices: ArrayLike<number>,
  bins: number,
): ReliabilityBin[] {
  const count = new Float64Array(bins);
  const sumScore = new Float64Array(bins);
  const sumTarget = new Float64Array(bins);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    const b = equalWidthBin(scores[i], bins);
    count[b]++;
    sumScore[b] += scores[i];
    sumTarget[b] += targets[i];
  }
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    out.push({
      lower: b / bins,
      upper: (b + 1) / bins,
      count: count[b],
      meanScore: count[b] > 0 ? sumScore[b] / count[b] : null,
      meanTarget: count[b] > 0 ? sumTarget[b] / count[b] : null,
    });
  }
  return out;
}

/** Σ_j (n_j / N) · |p̄_j − t̄_j| over equal-width bins (empty bins contribute nothing); null when N = 0. */
export function expectedCalibrationError(
  scores: ArrayLike<number>,
  targets: ArrayLike<number>,
  indices: ArrayLike<number>,
  bins: number,
): number | null {
  if (indices.length === 0) return null;
  let error = 0;
  for (const bin of reliabilityDiagram(scores, targets, indices, bins)) {
    if (bin.count > 0) error += (bin.count / indices.length) * Math.abs(bin.meanScore! - bin.meanTarget!);
  }
  return error;
}

/**
 * Adaptive (equal-mass) calibration error: detections sorted by score are cut into `bins` contiguous groups whose
 * sizes differ by at most one (the larger groups first), error = Σ_b (n_b / N) · |p̄_b − t̄_b|. `bins` = null (or
 * ≥ N) puts each detection in its own bin: mean_i |p_i − t_i|, the authors' LaACE₀. Null when N = 0.
 */
export function adaptiveCalibrationError(
  scores: ArrayLike<number>,
  targets: ArrayLike<number>,
  indices: ArrayLike<number>,
  bins: number | null,
): number | null {
  const n = indices.length;
  if (n === 0) return null;
  if (bins === null || bins >= n) {
    let sum = 0;
    for (let k = 0; k < n; k++) sum += Math.abs(scores[indices[k]] - targets[indices[k]]);
    return sum / n;
  }
  const sorted = Array.from(indices).sort((a, b) => scores[a] - scores[b] || a - b);
  const base = Math.floor(n / bins);
  const larger = n % bins;
  let error = 0;
  let position = 0;
  for (let b = 0; b < bins; b++) {
    const size = base + (b < larger ? 1 : 0);
    let sumScore = 0;
    let sumTarget = 0;
    for (let k = position; k < position + size; k++) {
      sumScore += scores[sorted[k]];
      sumTarget += targets[sorted[k]];
    }
    error += (size / n) * Math.abs(sumScore / size - sumTarget / size);
    position += size;
  }
  return error;
}

export interface ClassCalibration {
  categoryId: number;
  detections: number;
  value: number | null;
}

export interface CalibrationMetric {
  /** Short name, e.g. "LaECE0". */
  name: string;
  /** One-line definition with its source. */
  definition: string;
  /** IoU threshold of the TP matching. */
  tau: number;
  /** Number of equal-width bins, "per-detection" for LaACE₀'s one-detection bins, or an equal-mass bin count. */
  binning: string;
  /** Mean over classes (class-wise metrics) or the pooled value (class-agnostic D-ECE); null without data. */
  value: number | null;
  /** Number of classes averaged (class-wise metrics). */
  classes: number;
  perClass: ClassCalibration[];
}

/** Per-detection inputs of one calibration metric (one matching threshold). */
export interface CalibrationInput {
  scores: ArrayLike<number>;
  /** Target per detection: IoU with the matched ground truth (0 for FPs), or 1/0 for TP/FP. */
  targets: ArrayLike<number>;
  /** Category id per detection. */
  categories: ArrayLike<number>;
  /** 1 where COCOeval ignores the detection (crowd match, unknown image/category, beyond maxDets). */
  ignored: ArrayLike<number>;
  /** Categories that have at least one non-crowd ground truth box: only they are averaged (as the reference code). */
  categoriesWithGroundTruth: ReadonlySet<number>;
}

/**
 * The counted detections (not ignored, class with ground truth) grouped by category: categories in order of first
 * appearance, each one's indices ascending at indices[start[k] .. start[k + 1]). Typed arrays: a 50,000-image run
 * counts millions of detections.
 */
interface CategoryIndices {
  categories: number[];
  start: Int32Array;
  indices: Int32Array;
}

function indicesByCategory(input: CalibrationInput): CategoryIndices {
  const n = input.scores.length;
  const slotOf = new Int32Array(n).fill(-1);
  const slots = new Map<number, number>();
  const categories: number[] = [];
  const counts: number[] = [];
  // Slot of a category id: looked up in a table for small non-negative integer ids (COCO's), else in the map.
  // −2: not seen yet; −1: no ground truth.
  let maxId = -1;
  for (let i = 0; i < n; i++) {
    const category = input.categories[i];
    if (!(Number.isInteger(category) && category >= 0 && category < 1 << 16)) { maxId = -1; break; }
    if (category > maxId) maxId = category;
  }
  const table = maxId >= 0 ? new Int32Array(maxId + 1).fill(-2) : null;
  for (let i = 0; i < n; i++) {
    if (input.ignored[i]) continue;
    const category = input.categories[i];
    let slot = table ? table[category] : (slots.get(category) ?? -2);
    if (slot === -2) {
      slot = input.categoriesWithGroundTruth.has(category) ? categories.length : -1;
      if (slot >= 0) {
        categories.push(category);
        counts.push(0);
      }
      if (table) table[category] = slot; else slots.set(category, slot);
    }
    if (slot < 0) continue;
    slotOf[i] = slot;
    counts[slot]++;
  }
  const start = new Int32Array(categories.length + 1);
  for (let k = 0; k < categories.length; k++) start[k + 1] = start[k] + counts[k];
  const indices = new Int32Array(start[categories.length]);
  const fill = start.slice(0, categories.length);
  for (let i = 0; i < n; i++) if (slotOf[i] >= 0) indices[fill[slotOf[i]]++] = i;
  return { categories, start, indices };
}

/** Slots of the categories in ascending id order (the order of perClass). */
function slotsByCategoryId(grouped: CategoryIndices): number[] {
  return grouped.categories.map((_, k) => k).sort((a, b) => grouped.categories[a] - grouped.categories[b]);
}

function classwise(
  input: CalibrationInput,
  errorOf: (indices: Int32Array) => number | null,
): { value: number | null; classes: number; perClass: ClassCalibration[] } {
  const perClass: ClassCalibration[] = [];
  let sum = 0;
  let classes = 0;
  const grouped = indicesByCategory(input);
  for (const k of slotsByCategoryId(grouped)) {
    const indices = grouped.indices.subarray(grouped.start[k], grouped.start[k + 1]);
    const value = errorOf(indices);
    perClass.push({ categoryId: grouped.categories[k], detections: indices.length, value });
    if (value !== null) {
      sum += value;
      classes++;
    }
  }
  return { value: classes > 0 ? sum / classes : null, classes, perClass };
}

/** Localisation-aware ECE: (1/K) Σ_c Σ_j (|D̂_j^c|/|D̂^c|)·|p̄_j^c − ĪoU_j^c| (Oksuz et al. CVPR 2023 Eq. 4; Kuzucu et al. ECCV 2024). */
export function localisationAwareECE(input: CalibrationInput, tau: number, bins = 25): CalibrationMetric {
  const result = classwise(input, (indices) => expectedCalibrationError(input.scores, input.targets, indices, bins));
  return {
    name: tau === 0 ? 'LaECE0' : `LaECE@${tau}`,
    definition: `(1/K)·Σ_c Σ_j (|D_j^c|/|D^c|)·|mean score − mean IoU target|, COCO greedy matching at IoU ${tau}, IoU target (0 for FP), ${bins} equal-width bins (Oksuz et al. CVPR 2023; Kuzucu et al. ECCV 2024)`,
    tau,
    binning: `${bins} equal-width`,
    ...result,
  };
}

/** Localisation-aware ACE with adaptive bins; bins = null is the authors' LaACE₀ (one detection per bin). */
export function localisationAwareACE(input: CalibrationInput, tau: number, bins: number | null = null): CalibrationMetric {
  const result = classwise(input, (indices) => adaptiveCalibrationError(input.scores, input.targets, indices, bins));
  return {
    name: tau === 0 ? 'LaACE0' : `LaACE@${tau}`,
    definition: `(1/K)·Σ_c Σ_b (|D_b^c|/|D^c|)·|mean score − mean IoU target| over equal-mass bins (${bins === null ? 'one detection per bin: mean |p − IoU|' : `${bins} bins`}), COCO greedy matching at IoU ${tau} (Kuzucu et al. ECCV 2024)`,
    tau,
    binning: bins === null ? 'per-detection' : `${bins} equal-mass`,
    ...result,
  };
}

/** D-ECE (confidence only): Σ_j (|D̂_j|/|D̂|)·|p̄_j − precision_j| over all classes pooled, binary TP target (Küppers et al. CVPR-W 2020). */
export function detectionECE(input: CalibrationInput, tau: number, bins = 10): CalibrationMetric {
  const grouped = indicesByCategory(input);
  // Pooled: every class's detections, classes in order of first appearance (the order the sums run in).
  const pooled = grouped.indices;
  const perClass: ClassCalibration[] = slotsByCategoryId(grouped).map((k) => {
    const indices = grouped.indices.subarray(grouped.start[k], grouped.start[k + 1]);
    return { categoryId: grouped.categories[k], detections: indices.length, value: expectedCalibrationError(input.scores, input.targets, indices, bins) };
  });
  return {
    name: `D-ECE@${tau}`,
    definition: `Σ_j (|D_j|/|D|)·|mean score − precision| over all classes pooled, TP/FP by COCO greedy matching at IoU ${tau}, ${bins} equal-width bins (Küppers et al. CVPR-W 2020; settings of Kuzucu et al. ECCV 2024)`,
    tau,
    binning: `${bins} equal-width`,
    value: expectedCalibrationError(input.scores, input.targets, pooled, bins),
    classes: grouped.categories.length,
    perClass,
  };
}

/** Indices of the detections a calibration metric counts (not ignored, class with ground truth), for diagrams. */
export function countedIndices(input: CalibrationInput): number[] {
  return Array.from(countedIndexArray(input));
}

/** countedIndices as a typed array (ascending). */
export function countedIndexArray(input: CalibrationInput): Int32Array {
  const counted = new Uint8Array(input.scores.length);
  const { indices } = indicesByCategory(input);
  for (let k = 0; k < indices.length; k++) counted[indices[k]] = 1;
  const out = new Int32Array(indices.length);
  let k = 0;
  for (let i = 0; i < counted.length; i++) if (counted[i]) out[k++] = i;
  return out;
}
