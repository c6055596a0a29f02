// Text files (COCO JSON, results, profiles) from bytes: encoding by byte-order mark, and JSON syntax errors that
// say where without quoting the file (a wrong path such as /etc/passwd must not put its contents in a message).

/**
 * Decodes a text file's bytes: UTF-8 with or without a byte-order mark, UTF-16 LE/BE with one. Anything else is
 * an error naming the file and the encoding found (UTF-32, BOM-less UTF-16, bytes that are not UTF-8).
 */
export function decodeText(bytes: Uint8Array, fileName: string): string {
  const b = bytes;
  if (b.length >= 4 && ((b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) || (b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff))) {
    throw new Error(`${fileName}: the file is UTF-32 encoded; save it as UTF-8`);
  }
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return decodeWith('utf-16le', b.subarray(2), fileName, 'UTF-16 LE');
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return decodeWith('utf-16be', b.subarray(2), fileName, 'UTF-16 BE');
  const body = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? b.subarray(3) : b;
  // UTF-16 without a byte-order mark: ASCII text with a zero byte beside every character.
  if (body.length >= 4 && ((body[0] !== 0 && body[1] === 0 && body[3] === 0) || (body[0] === 0 && body[2] === 0 && body[1] !== 0))) {
    throw new Error(`${fileName}: the file looks like UTF-16 without a byte-order mark; save it as UTF-8`);
  }
  return decodeWith('utf-8', body, fileName, 'UTF-8');
}

function decodeWith(encoding: string, bytes: Uint8Array, fileName: string, label: string): string {
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new Error(`${fileName}: not valid ${label} text (a binary file, or another encoding such as Latin-1: save it as UTF-8)`);
  }
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

/**
 * Parses JSON; a syntax error names the file and the place (line, column) and the kind of problem, never the
 * file's text: V8's messages quote the start of the input, which is how a secret file's first bytes leaked.
 */
export function parseJsonText(text: string, fileName: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${fileName}: not valid JSON (${jsonProblem(text, error instanceof Error ? error.message : String(error))})`);
  }
}

function jsonProblem(text: string, message: string): string {
  if (text.trim() === '') return 'the file is empty';
  if (/Unexpected end of JSON input/.test(message)) return 'the text ends before the JSON value is complete (a truncated file?)';
  // V8's own wording ("Expected ',' or ']' after array element"), which quotes grammar, not the file.
  const at = /^(.*?)(?: in JSON)? at position (\d+)/.exec(message);
  if (at) return `${at[1].charAt(0).toLowerCase()}${at[1].slice(1)} at ${lineColumn(text, Number(at[2]))}`;
  // "Unexpected token 'x', "<the file's first bytes>"... is not valid JSON": keep only the character's code.
  const token = /^Unexpected token '([^]+?)', "/.exec(message);
  if (token) {
    const code = token[1].codePointAt(0)!;
    const offset = text.indexOf(String.fromCodePoint(code));
    return `unexpected character U+${code.toString(16).toUpperCase().padStart(4, '0')}${offset >= 0 ? ` (first at ${lineColumn(text, offset)})` : ''}`;
  }
  return 'syntax error';
}
