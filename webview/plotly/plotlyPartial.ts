// Standalone partial plotly.js bundle (core + scatter, scattergl, bar, heatmap, histogram2d) that sets
// `globalThis.Plotly`. Built to dist/webview/plotly-partial.js by esbuild.mjs; HTML reports inline it so they open
// offline (extension/report/exportReport.ts). About a third of the full bundle's size.
// @ts-expect-error plotly.js ships no type declarations for its partial-bundle modules
import Plotly from 'plotly.js/lib/core';
// @ts-expect-error see above
import scatter from 'plotly.js/lib/scatter';
// @ts-expect-error see above
import scattergl from 'plotly.js/lib/scattergl';
// @ts-expect-error see above
import bar from 'plotly.js/lib/bar';
// @ts-expect-error see above
import heatmap from 'plotly.js/lib/heatmap';
// @ts-expect-error see above
import histogram2d from 'plotly.js/lib/histogram2d';

Plotly.register([scatter, scattergl, bar, heatmap, histogram2d]);
(globalThis as unknown as { Plotly: unknown }).Plotly = Plotly;
