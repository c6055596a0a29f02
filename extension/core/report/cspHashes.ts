// CSP hash sources (CSP Level 3 "hash-source") for the few inline things a strict policy must still admit, by exact
// content: the HTML report's own <script>/<style> elements, and the two style attributes plotly sets with d3's
// .attr('style', …), which 'unsafe-hashes' admits only with exactly these values (never any other inline style).
// Pure (core is also compiled for the browser): the SHA-256 itself is passed in by the host (node:crypto).

/** SHA-256 of a string's UTF-8 bytes, base64-encoded. */
export type Sha256Base64 = (text: string) => string;

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
export function cspHashSource(sha256: Sha256Base64, content: string): string {
  return `'sha256-${sha256(content)}'`;
}

/** The style-src sources for plotly's style attributes: 'unsafe-hashes' plus one hash per exact value. */
export function plotlyStyleAttributeSources(sha256: Sha256Base64): string {
  return [`'unsafe-hashes'`, ...PLOTLY_STYLE_ATTRIBUTES.map((value) => cspHashSource(sha256, value))].join(' ');
}
