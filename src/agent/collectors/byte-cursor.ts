/**
 * @module Reads numbers and names straight from the bytes of a /proc file, so a sample costs no
 * text decoding, split() or regular expression: the collectors' parsing was most of their time.
 */

const SPACE = 32;
const TAB = 9;
const NEWLINE = 10;
const ZERO = 48;
const NINE = 57;
const DOT = 46;
const POWERS_OF_TEN = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
/** Up to 15 digits, adding digit by digit gives exactly the double Number() gives. */
const EXACT_DIGITS = 15;

export class ByteCursor {
  pos = 0;
  end = 0;
  buf: Buffer = Buffer.alloc(0);

  /** Points the cursor at the first `end` bytes of `buf`. */
  reset(buf: Buffer, end: number): this {
    this.buf = buf;
    this.pos = 0;
    this.end = end;
    return this;
  }

  /** A cursor over `text` (tests, and the parse functions that take text). */
  static of(text: string): ByteCursor {
    const bytes = Buffer.from(text, 'latin1');
    return new ByteCursor().reset(bytes, bytes.length);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** The byte at the cursor, -1 at the end. */
  peek(): number {
    return this.pos < this.end ? this.buf[this.pos]! : -1;
  }

  /** Skips spaces and tabs (not newlines). */
  skipBlanks(): void {
    const buf = this.buf;
    let pos = this.pos;
    while (pos < this.end && (buf[pos] === SPACE || buf[pos] === TAB)) pos++;
    this.pos = pos;
  }

  /** Moves past the next newline (to the end if there is none). */
  nextLine(): void {
    const at = this.buf.indexOf(NEWLINE, this.pos);
    this.pos = at < 0 || at >= this.end ? this.end : at + 1;
  }

  /** Whether the bytes at the cursor spell `ascii`. */
  startsWith(ascii: string): boolean {
    if (this.pos + ascii.length > this.end) return false;
    for (let i = 0; i < ascii.length; i++) if (this.buf[this.pos + i] !== ascii.charCodeAt(i)) return false;
    return true;
  }

  /** Index of `byte` at or after the cursor on this line, -1 if the line has none. */
  findOnLine(byte: number): number {
    const buf = this.buf;
    for (let i = this.pos; i < this.end; i++) {
      const c = buf[i]!;
      if (c === byte) return i;
      if (c === NEWLINE) return -1;
    }
    return -1;
  }

  /** Moves past the word after any blanks. */
  skipWord(): void {
    this.skipBlanks();
    const buf = this.buf;
    let pos = this.pos;
    while (pos < this.end && buf[pos] !== NEWLINE && buf[pos] !== SPACE && buf[pos] !== TAB) pos++;
    this.pos = pos;
  }

  /**
   * The word after any blanks, up to a blank, a newline or `stop`, as text (names: devices,
   * interfaces); '' if there is none.
   */
  word(stop = -1): string {
    this.skipBlanks();
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    for (; pos < this.end; pos++) {
      const c = buf[pos]!;
      if (c === stop || c === NEWLINE || c === SPACE || c === TAB) break;
    }
    this.pos = pos;
    return latin1(buf, start, pos);
  }

  /**
   * The unsigned decimal number after any blanks (`123`, `0.63`); NaN if the next word is not
   * one, and then the cursor is past that word.
   */
  number(): number {
    // Locals, not fields, in the loop: without an optimizing compiler each field access is a lookup.
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    while (pos < end && (buf[pos] === SPACE || buf[pos] === TAB)) pos++;
    const start = pos;
    let mantissa = 0;
    let fraction = -1;
    for (; pos < end; pos++) {
      const c = buf[pos]!;
      if (c >= ZERO && c <= NINE) mantissa = mantissa * 10 + (c - ZERO);
      else if (c === DOT && fraction < 0) fraction = pos;
      else break;
    }
    this.pos = pos;
    const digits = pos - start - (fraction < 0 ? 0 : 1);
    if (pos < end && buf[pos] !== NEWLINE && buf[pos] !== SPACE && buf[pos] !== TAB) {
      this.skipWord();
      return NaN;
    }
    if (digits <= 0) return NaN;
    if (digits > EXACT_DIGITS) return Number(latin1(buf, start, pos));
    return fraction < 0 ? mantissa : mantissa / POWERS_OF_TEN[pos - fraction - 1]!;
  }
}

function latin1(buf: Buffer, start: number, end: number): string {
  return buf.toString('latin1', start, end);
}
