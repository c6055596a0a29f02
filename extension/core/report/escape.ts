// Escaping for every place a report puts user-controlled text (category names, file names, profile strings):
// HTML text and attributes, JSON inside <script>, Markdown table cells, CSV fields (RFC 4180).

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values (also used for SVG). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * JSON safe to place inside a <script> element: "<" becomes \u003c so no "</script>" or "<!--" can end or alter
 * the element; U+2028/U+2029 are escaped for pre-ES2019 parsers. The result is still valid JSON with equal value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * Inline Markdown text (table cells, mid-line), shown literally: HTML is entity-escaped, the inline metacharacters
 * (emphasis, code, links, tables, strikethrough) are backslash-escaped, newlines become spaces. Characters that only
 * matter at the start of a line (#, -, +, digits) need nothing: this text never starts a line.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/([\\`*_{}[\]|~])/g, '\\$1');
}

/** One CSV field per RFC 4180: quoted (with doubled quotes) when it contains a comma, quote, CR or LF. */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const text = value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A fixed-decimals number for display, "–" for null/undefined/−1-as-undefined when `undefinedBelowZero`. */
export function formatNumber(value: number | null | undefined, digits = 3, undefinedBelowZero = false): string {
  if (value === null || value === undefined || Number.isNaN(value) || (undefinedBelowZero && value < 0)) return '–';
  return value.toFixed(digits);
}
