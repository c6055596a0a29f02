// The one escaping module: every place the reports and the webview pages put user-controlled text (category names,
// file names, run-header fields) goes through here. HTML text and attributes, JSON inside <script>, plotly's
// pseudo-HTML labels, Markdown table cells, CSV fields (RFC 4180, formula-neutralised), numbers shown as numbers.

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values (also used for SVG). Any value is stringified. */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** Escapes a double-quoted attribute value; single quotes stay readable (CSP keywords such as 'self'). */
export function escapeAttribute(text: string): string {
  return text.replace(/[&<>"]/g, (c) => HTML_ESCAPES[c]);
}

/**
 * Text for plotly labels (tick labels, trace names, hover text): plotly parses them as pseudo-HTML (<a href>, <b>,
 * <br>) and decodes &amp; &lt; &gt; and numeric entities, so those three characters are entity-escaped and quotes
 * become numeric entities (plotly does not know &quot;). The label then shows the name literally.
 */
export function escapePlotlyText(text: unknown): string {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;');
}

/**
 * A number from a run file as text: finite numbers as themselves (optionally formatted), anything else as "–".
 * Header fields reach the reports from files a stranger may have written; a string in a number's place must not
 * pass through as markup.
 */
export function numberText(value: unknown, format: (n: number) => string = String): string {
  return typeof value === 'number' && Number.isFinite(value) ? format(value) : '–';
}

/**
 * JSON safe to place inside a <script> element: "<" becomes \u003c so no "</script>" or "<!--" can end or alter
 * the element; U+2028/U+2029 are escaped for pre-ES2019 parsers. The result is still valid JSON with equal value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value ?? null).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * Inline Markdown text (table cells, mid-line), shown literally: HTML is entity-escaped, the inline metacharacters
 * (emphasis, code, links, tables, strikethrough) are backslash-escaped, newlines become spaces. Characters that only
 * matter at the start of a line (#, -, +, digits) need nothing: this text never starts a line.
 */
export function escapeMarkdown(text: unknown): string {
  return String(text)
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/([\\`*_{}[\]|~])/g, '\\$1');
}

/**
 * One CSV field per RFC 4180: quoted (with doubled quotes) when it contains a comma, quote, CR or LF. Text that a
 * spreadsheet would run as a formula (starting with = + - @, tab or CR) gets a leading apostrophe (OWASP "CSV
 * Injection"); numbers stay numbers.
 */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A fixed-decimals number for display, "–" for null/undefined/−1-as-undefined when `undefinedBelowZero`. */
export function formatNumber(value: number | null | undefined, digits = 3, undefinedBelowZero = false): string {
  if (typeof value !== 'number' || Number.isNaN(value) || (undefinedBelowZero && value < 0)) return '–';
  return value.toFixed(digits);
}
