// The operating threshold: the confidence at which a detector is deployed. Counts that need a yes/no decision per
// detection (TP/FP/FN at the operating point, the confusion matrix, the Failures tree's default population) are
// taken at this score; AP and the curves sweep every score. One value per session, changed from the views.

/** Ultralytics' default `conf` for prediction and for `ConfusionMatrix` (ultralytics/utils/metrics.py). */
export const DEFAULT_OPERATING_THRESHOLD = 0.25;

/** Clamps a user-supplied operating threshold into [0, 1]; anything not a finite number gives the default. */
export function operatingThresholdOrDefault(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return DEFAULT_OPERATING_THRESHOLD;
  return Math.min(1, Math.max(0, value));
}
