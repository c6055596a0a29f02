// Bin-axis labelling for distribution charts (pure, unit-tested): heads have 8 (NanoDet), 16 (YOLOv8/11) or 17
// (PP-YOLOE) bins, and charts are 100–240 px wide.

/** Smallest step in {1, 2, 4, 5, 10, …} that keeps bin labels at least 14 px apart. */
export function binLabelStep(bins: number, plotWidth: number): number {
  const minStep = 14 / (plotWidth / bins);
  return [1, 2, 4, 5, 10, 20, 50].find((step) => step >= minStep) ?? Math.ceil(minStep);
}
