// Standalone partial plotly.js bundle (core + scatter, scattergl, bar, heatmap, histogram2d) that sets
// `globalThis.Plotly`. Built to dist/webview/plotly-partial.js by esbuild.mjs; HTML reports inline it so they open
// offline (extension/report/exportReport.ts). About a third of the full bundle's size.
// CSP-safe like plotly's own strict bundle (lib/index-strict.js): scattergl is the strict variant, whose regl shader
// glue is precompiled (no 'unsafe-eval'), and no <style> is injected (no 'unsafe-inline'; see noInlineStyles.ts).
import './noInlineStyles.ts';
// @ts-expect-error plotly.js ships no type declarations for its partial-bundle modules
import Plotly from 'plotly.js/lib/core';
// @ts-expect-error see above
import scatter from 'plotly.js/lib/scatter';
// @ts-expect-error see above
import scattergl from 'plotly.js/src/traces/scattergl/strict';
// @ts-expect-error see above
import bar from 'plotly.js/lib/bar';
// @ts-expect-error see above
import heatmap from 'plotly.js/lib/heatmap';
// @ts-expect-error see above
import histogram2d from 'plotly.js/lib/histogram2d';

Plotly.register([scatter, scattergl, bar, heatmap, histogram2d]);
(globalThis as unknown as { Plotly: unknown }).Plotly = Plotly;
