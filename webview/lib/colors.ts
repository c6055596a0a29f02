// Class colours: golden-angle hues, so neighbouring class indices differ strongly; fixed saturation/lightness that
// read on light, dark and high-contrast backgrounds.
export function classColor(classIndex: number): string {
  const hue = (classIndex * 137.508) % 360;
  return `hsl(${hue.toFixed(1)}, 85%, 55%)`;
}

/** Box opacity from its score: faint low-score boxes, solid confident ones. */
export function scoreOpacity(score: number): number {
  return 0.25 + 0.75 * Math.min(1, Math.max(0, score));
}

/** A theme colour by CSS variable, e.g. themeColor('--vscode-foreground'), for canvas and plotly. */
export function themeColor(variable: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(variable).trim();
  return value || fallback;
}
