// Imported before plotly: plotly adds its stylesheet as rules in a <style> element it injects, which a CSP without
// 'unsafe-inline' refuses. An element with that element's id and the class "no-inline-styles" tells plotly not to
// (src/lib/dom.js addRelatedStyleRule); the same rules are shipped as a file instead (dist/webview/plotly.css, made
// by esbuild.mjs from plotly's build/plotcss.js), linked by the calibration view and inlined into HTML reports.
const PLOTLY_STYLE_ID = 'plotly.js-style-global';

if (!document.getElementById(PLOTLY_STYLE_ID)) {
  const marker = document.createElement('meta');
  marker.id = PLOTLY_STYLE_ID;
  marker.className = 'no-inline-styles';
  document.head.appendChild(marker);
}
