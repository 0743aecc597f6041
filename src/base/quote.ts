// User text inside one-line error messages: escaped so it cannot break the line (newlines, control
// and other invisible characters) and capped so a huge or binary config is never echoed back whole.
// Also how a path that is not a regular file is described.
import type { Stats } from 'node:fs';

/** Characters a terminal would not show as one visible glyph on the current line. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(ch: string, quoted: boolean): string {
  if (quoted && (ch === '"' || ch === '\\')) return `\\${ch}`;
  if (!INVISIBLE.test(ch)) return ch;
  const code = ch.codePointAt(0)!;
  return NAMED[ch] ?? (code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

function render(text: string, max: number, quoted: boolean): string {
  let out = '';
  // by code point, so a surrogate pair is never split; stop as soon as the cap is reached, so the
  // cost does not grow with the text
  for (const ch of text) {
    const piece = escapeChar(ch, quoted);
    if (out.length + piece.length > max) return `${out}…`;
    out += piece;
  }
  return out;
}

/** `text` on one line: invisible characters escaped (`\n`, `\u0000`), at most `max` characters then "…". */
export function printable(text: string, max = 80): string {
  return render(text, max, false);
}

/** `text` as a JSON-like quoted string for "got …": `"x\u0000y"`, capped at `max` characters then "…". */
export function quote(text: string, max = 60): string {
  return `"${render(text, max, true)}"`;
}

/** What a path that is not a regular file is, for "got …" (a config, a corpus, an output file). */
export function fileKind(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'a special file';
}
