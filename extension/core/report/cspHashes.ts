// CSP hash sources (CSP Level 3 "hash-source") for the few inline things a strict policy must still admit, by exact
// content: the HTML report's own <script>/<style> elements, and the two style attributes plotly sets with d3's
// .attr('style', …), which 'unsafe-hashes' admits only with exactly these values (never any other inline style).
import crypto from 'node:crypto';

/**
 * plotly.js 3.1 sets these style attributes: '' on colour-bar elements (src/components/colorbar/draw.js) and the
 * pixelated-image declarations on heat-map images (src/constants/pixelated_image.js STYLE). A test compares the
 * second with plotly's own constant, so an upgrade that changes it fails loudly instead of drawing blurred maps.
 */
export const PLOTLY_STYLE_ATTRIBUTES: readonly string[] = [
  '',
  'image-rendering: optimizeSpeed; image-rendering: -moz-crisp-edges; image-rendering: -o-crisp-edges; image-rendering: -webkit-optimize-contrast; image-rendering: optimize-contrast; image-rendering: crisp-edges; image-rendering: pixelated; ',
];

/** `'sha256-…'` for an inline element or attribute whose text is exactly `content` (UTF-8). */
export function cspHashSource(content: string): string {
  return `'sha256-${crypto.createHash('sha256').update(content, 'utf8').digest('base64')}'`;
}

/** The style-src sources for plotly's style attributes: 'unsafe-hashes' plus one hash per exact value. */
export function plotlyStyleAttributeSources(): string {
  return [`'unsafe-hashes'`, ...PLOTLY_STYLE_ATTRIBUTES.map(cspHashSource)].join(' ');
}
