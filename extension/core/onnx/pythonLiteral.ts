// Ultralytics writes ONNX metadata_props with Python's str(): `names` is "{0: 'person', 1: 'bicycle'}", `args` is
// "{'batch': 1, 'half': False, 'nms': None}". This reads that subset of Python literal syntax (ast.literal_eval's
// dicts, lists, tuples, sets, strings, numbers, True/False/None) into plain values; anything else is an error.

export type PythonValue = string | number | boolean | null | PythonValue[] | PythonDict;
/** A dict keeps its keys in order; keys may be ints or strings (names use int keys). */
export type PythonDict = Map<string | number | boolean | null, PythonValue>;

export class PythonLiteralError extends Error {
  constructor(text: string, position: number, problem: string) {
    super(`cannot read Python literal at character ${position}: ${problem} (in ${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)})`);
    this.name = 'PythonLiteralError';
  }
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v' };

export function parsePythonLiteral(text: string): PythonValue {
  let i = 0;
  const fail = (problem: string): never => { throw new PythonLiteralError(text, i, problem); };
  const skip = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  const expect = (ch: string) => { skip(); if (text[i] !== ch) fail(`expected "${ch}"`); i++; };

  const parseString = (): string => {
    const quote = text[i++];
    let out = '';
    while (i < text.length && text[i] !== quote) {
      if (text[i] === '\\') {
        const next = text[i + 1];
        if (next === 'x' || next === 'u' || next === 'U') {
          const len = next === 'x' ? 2 : next === 'u' ? 4 : 8;
          const hex = text.slice(i + 2, i + 2 + len);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) fail(`bad \\${next} escape`);
          out += String.fromCodePoint(parseInt(hex, 16));
          i += 2 + len;
          continue;
        }
        if (!(next in ESCAPES)) fail(`unknown escape \\${next}`);
        out += ESCAPES[next];
        i += 2;
        continue;
      }
      out += text[i++];
    }
    if (i >= text.length) fail('unterminated string');
    i++;
    // Adjacent literals concatenate, as in Python.
    skip();
    if (text[i] === "'" || text[i] === '"') out += parseString();
    return out;
  };

  const parseSequence = (close: string): PythonValue[] => {
    const items: PythonValue[] = [];
    skip();
    while (text[i] !== close) {
      items.push(parseValue());
      skip();
      if (text[i] === ',') { i++; skip(); continue; }
      if (text[i] !== close) fail(`expected "," or "${close}"`);
    }
    i++;
    return items;
  };

  const parseValue = (): PythonValue => {
    skip();
    const ch = text[i];
    if (ch === undefined) return fail('unexpected end');
    if (ch === "'" || ch === '"') return parseString();
    if (ch === '[') { i++; return parseSequence(']'); }
    if (ch === '(') { i++; return parseSequence(')'); }
    if (ch === '{') {
      i++;
      skip();
      if (text[i] === '}') { i++; return new Map(); }
      const first = parseValue();
      skip();
      if (text[i] !== ':') {
        // A set literal: read as a list.
        const rest = text[i] === ',' ? (i++, parseSequence('}')) : (expect('}'), []);
        return [first, ...rest];
      }
      const dict: PythonDict = new Map();
      let key = first;
      for (;;) {
        expect(':');
        if (typeof key === 'object' && key !== null) fail('dict keys must be strings, numbers, booleans or None');
        dict.set(key as string | number | boolean | null, parseValue());
        skip();
        if (text[i] === ',') { i++; skip(); }
        else if (text[i] !== '}') fail('expected "," or "}"');
        if (text[i] === '}') { i++; return dict; }
        key = parseValue();
      }
    }
    const word = /^(?:True|False|None|[-+]?(?:inf|nan)|[-+]?(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][-+]?\d+)?)/.exec(text.slice(i));
    if (!word) return fail(`unexpected "${ch}"`);
    i += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    const value = Number(word[0].replace(/_/g, '').replace(/inf/, 'Infinity').replace(/nan/, 'NaN'));
    if (Number.isNaN(value) && !/nan/.test(word[0])) fail(`bad number "${word[0]}"`);
    return value;
  };

  const value = parseValue();
  skip();
  if (i !== text.length) fail('unexpected text after the value');
  return value;
}
