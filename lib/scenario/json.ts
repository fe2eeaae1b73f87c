/**
 * A small strict JSON parser (RFC 8259) that remembers the line of every value and key.
 *
 * `JSON.parse` cannot tell us where a field sits, and its syntax-error messages differ between
 * engines (some give a position, some do not). Authors need `index.json:7` for both kinds of
 * mistake, so we parse the file ourselves. It accepts exactly what `JSON.parse` accepts, plus a
 * leading byte-order mark, which some editors write.
 */

export interface JsonObjectMember {
  key: string;
  keyLine: number;
  value: JsonValue;
}

export type JsonValue =
  | { kind: 'object'; line: number; members: JsonObjectMember[] }
  | { kind: 'array'; line: number; items: JsonValue[] }
  | { kind: 'string'; line: number; value: string }
  | { kind: 'number'; line: number; value: number }
  | { kind: 'boolean'; line: number; value: boolean }
  | { kind: 'null'; line: number };

export type JsonObject = Extract<JsonValue, { kind: 'object' }>;

export type JsonParseResult =
  { ok: true; value: JsonValue } | { ok: false; line: number; column: number; message: string };

/** Deeper nesting than this is certainly a mistake, and refusing it keeps recursion bounded. */
const MAX_DEPTH = 128;

class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';

  constructor(
    readonly position: number,
    message: string,
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

function describe(char: string | undefined): string {
  if (char === undefined) return 'the end of the file';
  if (char === '\n' || char === '\r') return 'a line break';
  return JSON.stringify(char);
}

class Parser {
  private pos = 0;
  private line = 1;

  constructor(private readonly text: string) {
    if (text.startsWith('\uFEFF')) this.pos = 1;
  }

  parseDocument(): JsonValue {
    this.skipWhitespace();
    const value = this.parseValue(0);
    this.skipWhitespace();
    if (this.pos < this.text.length) {
      this.fail(
        `unexpected ${describe(this.text[this.pos])} after the end of the JSON value; ` +
          'a JSON file holds exactly one object, so remove the extra text or a stray closing bracket',
      );
    }
    return value;
  }

  /** The 1-based line and column of a character offset. */
  locate(position: number): { line: number; column: number } {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < position && i < this.text.length; i++) {
      if (this.text[i] === '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    return { line, column: position - lineStart + 1 };
  }

  private fail(message: string, position = this.pos): never {
    throw new JsonSyntaxError(position, message);
  }

  private skipWhitespace(): void {
    for (;;) {
      const char = this.text[this.pos];
      if (char === '\n') {
        this.line++;
      } else if (char !== ' ' && char !== '\t' && char !== '\r') {
        return;
      }
      this.pos++;
    }
  }

  private expect(char: string, hint: string): void {
    if (this.text[this.pos] !== char) {
      this.fail(
        `expected ${JSON.stringify(char)} but found ${describe(this.text[this.pos])}; ${hint}`,
      );
    }
    this.pos++;
  }

  private parseValue(depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail(`nesting is deeper than ${MAX_DEPTH} levels`);
    const char = this.text[this.pos];
    const line = this.line;
    switch (char) {
      case '{':
        return this.parseObject(depth);
      case '[':
        return this.parseArray(depth);
      case '"':
        return { kind: 'string', line, value: this.parseString() };
      case 't':
        this.parseLiteral('true');
        return { kind: 'boolean', line, value: true };
      case 'f':
        this.parseLiteral('false');
        return { kind: 'boolean', line, value: false };
      case 'n':
        this.parseLiteral('null');
        return { kind: 'null', line };
      default: {
        NUMBER.lastIndex = this.pos;
        const match = NUMBER.exec(this.text);
        if (match === null) {
          if (char === "'") this.fail('strings must use double quotes ("), not single quotes');
          this.fail(`expected a value but found ${describe(char)}`);
        }
        this.pos += match[0].length;
        return { kind: 'number', line, value: Number(match[0]) };
      }
    }
  }

  private parseLiteral(word: string): void {
    if (!this.text.startsWith(word, this.pos)) {
      this.fail(`expected a value but found ${describe(this.text[this.pos])}`);
    }
    this.pos += word.length;
  }

  private parseObject(depth: number): JsonValue {
    const line = this.line;
    const members: JsonObjectMember[] = [];
    this.pos++; // '{'
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { kind: 'object', line, members };
    }
    for (;;) {
      if (this.text[this.pos] !== '"') {
        const found = this.text[this.pos];
        this.fail(
          found === '}'
            ? 'unexpected "}" after a comma; remove the trailing comma'
            : `expected a property name in double quotes but found ${describe(found)}`,
        );
      }
      const keyLine = this.line;
      const key = this.parseString();
      this.skipWhitespace();
      this.expect(':', `put a colon after the property name "${key}"`);
      this.skipWhitespace();
      const value = this.parseValue(depth + 1);
      members.push({ key, keyLine, value });
      this.skipWhitespace();
      const next = this.text[this.pos];
      if (next === ',') {
        this.pos++;
        this.skipWhitespace();
        continue;
      }
      if (next === '}') {
        this.pos++;
        return { kind: 'object', line, members };
      }
      this.fail(
        `expected "," or "}" after the value of "${key}" but found ${describe(next)}; ` +
          'separate properties with commas and close the object with "}"',
      );
    }
  }

  private parseArray(depth: number): JsonValue {
    const line = this.line;
    const items: JsonValue[] = [];
    this.pos++; // '['
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { kind: 'array', line, items };
    }
    for (;;) {
      items.push(this.parseValue(depth + 1));
      this.skipWhitespace();
      const next = this.text[this.pos];
      if (next === ',') {
        this.pos++;
        this.skipWhitespace();
        if (this.text[this.pos] === ']')
          this.fail('unexpected "]" after a comma; remove the trailing comma');
        continue;
      }
      if (next === ']') {
        this.pos++;
        return { kind: 'array', line, items };
      }
      this.fail(
        `expected "," or "]" in the list but found ${describe(next)}; ` +
          'separate items with commas and close the list with "]"',
      );
    }
  }

  private parseString(): string {
    const start = this.pos;
    this.pos++; // opening quote
    let out = '';
    for (;;) {
      const char = this.text[this.pos];
      if (char === undefined) {
        this.fail('this string is never closed; add the closing double quote', start);
      }
      if (char === '"') {
        this.pos++;
        return out;
      }
      if (char === '\\') {
        const code = this.text[this.pos + 1];
        if (code === 'u') {
          const hex = this.text.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('\\u must be followed by four hex digits');
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 6;
          continue;
        }
        const replacement = code === undefined ? undefined : ESCAPES[code];
        if (replacement === undefined) {
          this.fail(
            `${describe(code)} cannot follow a backslash; write "\\\\" for a literal backslash`,
          );
        }
        out += replacement;
        this.pos += 2;
        continue;
      }
      if (char < ' ') {
        this.fail(
          char === '\n' || char === '\r'
            ? 'this string is never closed before the end of the line; add the closing double quote (use \\n for a line break inside a string)'
            : 'control characters must be escaped inside strings',
        );
      }
      out += char;
      this.pos++;
    }
  }
}

export function parseJson(text: string): JsonParseResult {
  const parser = new Parser(text);
  try {
    return { ok: true, value: parser.parseDocument() };
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    const { line, column } = parser.locate(error.position);
    return { ok: false, line, column, message: error.message };
  }
}

/** The member named `key`; the last one wins when a key repeats, as with `JSON.parse`. */
export function member(object: JsonObject, key: string): JsonObjectMember | undefined {
  return object.members.findLast((m) => m.key === key);
}
