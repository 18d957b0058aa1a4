/**
 * Frame logging for `-d`: every frame sent and received, written straight to the log stream
 * (stdout, or syslog messages) and never through consola, whose formatter costs far more
 * than linear time in the text (a 170 KB frame took minutes). Every step here is one pass
 * over the frame, or over its head only: a frame is cut to a head and its size unless asked
 * for whole, and `-P` indents in a single scan.
 */

export type FrameDirection = 'send' | 'recv';
export type FrameLogger = (direction: FrameDirection, xml: string) => void;

export interface FrameFormat {
  /** Log each frame whole (`-d -d`); otherwise a frame longer than `maxBytes` is cut. */
  whole: boolean;
  /** Indent the XML, one element per line (`-P`). */
  pretty: boolean;
  /** The longest cut frame line, in UTF-8 bytes, the size note included. */
  maxBytes: number;
}

/** A readable head on a terminal or in a file: the start of a reply shows which reply it is. */
export const STDOUT_FRAME_BYTES = 2000;

// Room for the note "… 999.9 GB, 999 999 999 999 bytes" (35 bytes: the ellipsis is 3).
const SIZE_NOTE_BYTES = 40;

/** A frame logger writing each formatted frame (lines joined by `\n`, no trailing newline) to `sink`. */
export function createFrameLogger(sink: (text: string) => void, format: FrameFormat): FrameLogger {
  return (direction, xml) => sink(formatFrame(direction, xml, format));
}

/**
 * `send: <rpc …>`: the frame whole, or its head then ` … 12.3 MB, 12 315 016 bytes`;
 * with `pretty`, indented, the size note on a line of its own.
 */
export function formatFrame(direction: FrameDirection, xml: string, format: FrameFormat): string {
  const prefix = `${direction}: `;
  const cut = format.whole ? undefined : headOf(xml, format.maxBytes - prefix.length);
  if (!cut) return prefix + (format.pretty ? indentXml(xml) : xml);
  return format.pretty ? `${prefix}${indentXml(cut.head)}\n${cut.note}` : `${prefix}${cut.head} ${cut.note}`;
}

/**
 * When `text` is longer than `maxBytes` (UTF-8): its head and the size note, which joined
 * by a space fit in `maxBytes`. Undefined when the text fits whole.
 */
export function headOf(text: string, maxBytes: number): { head: string; note: string } | undefined {
  // A string of n code units is at least n bytes: only a short one needs counting to know it fits.
  if (text.length <= maxBytes && Buffer.byteLength(text) <= maxBytes) return undefined;
  const head = text.slice(0, utf8End(text, 0, Math.max(0, maxBytes - SIZE_NOTE_BYTES - 1)));
  return { head, note: `… ${formatSize(Buffer.byteLength(text))}` };
}

/** `12.3 MB, 12 315 016 bytes` (decimal units, digits grouped by spaces). */
export function formatSize(bytes: number): string {
  const grouped = `${groupDigits(bytes)} bytes`;
  if (bytes < 1000) return grouped;
  const [value, unit] = bytes < 1e6 ? [bytes / 1e3, 'kB'] : bytes < 1e9 ? [bytes / 1e6, 'MB'] : [bytes / 1e9, 'GB'];
  return `${value.toFixed(1)} ${unit}, ${grouped}`;
}

/** 12315016 → `12 315 016`. */
export function groupDigits(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/**
 * The end index of the longest run of `text` from `start` that is at most `maxBytes` in
 * UTF-8, never splitting a character (a surrogate pair stays whole). Linear in the run.
 */
export function utf8End(text: string, start: number, maxBytes: number): number {
  let bytes = 0;
  let i = start;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length;
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + size > maxBytes) break;
    bytes += size;
    i += pair ? 2 : 1;
  }
  return i;
}

/**
 * Indents XML one element per line, a leaf (`<a>text</a>`, `<a></a>`) on one line, in a
 * single scan. Whitespace-only text between tags is dropped, other text kept as is.
 * Quoted `>` in attributes, comments, CDATA and processing instructions are read whole;
 * a cut head (an unfinished tag at the end) is written as it is.
 */
export function indentXml(xml: string, step = '  '): string {
  const pads: string[] = [''];
  const pad = (depth: number): string => (pads[depth] ??= pad(depth - 1) + step);
  let out = '';
  let depth = 0;
  // Just after an opening tag: its text and closing tag stay on its line.
  let open = false;
  // That opening tag already has text after it on its line.
  let leafText = false;
  let i = 0;
  const line = (s: string): void => {
    out += out === '' ? pad(depth) + s : '\n' + pad(depth) + s;
  };
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const textEnd = lt < 0 ? xml.length : lt;
    if (textEnd > i) {
      const text = xml.slice(i, textEnd);
      if (text.trim() !== '') {
        if (open && !leafText) {
          out += text;
          leafText = true;
        } else {
          line(text);
          open = false;
        }
      }
    }
    if (lt < 0) break;
    const end = tagEnd(xml, lt);
    if (end < 0) {
      line(xml.slice(lt));
      break;
    }
    const tag = xml.slice(lt, end);
    const kind = xml.charCodeAt(lt + 1);
    if (kind === 0x2f /* / */) {
      depth = Math.max(0, depth - 1);
      if (open) out += tag;
      else line(tag);
      open = false;
    } else if (kind === 0x21 /* ! */ && xml.startsWith('<![CDATA[', lt) && open && !leafText) {
      out += tag;
      leafText = true;
    } else if (kind === 0x21 || kind === 0x3f /* ? */ || xml.charCodeAt(end - 2) === 0x2f) {
      line(tag);
      open = false;
    } else {
      line(tag);
      depth += 1;
      open = true;
      leafText = false;
    }
    i = end;
  }
  return out;
}

/** The index just past the markup starting at `lt`, or -1 when it does not end in `xml`. */
function tagEnd(xml: string, lt: number): number {
  if (xml.startsWith('<!--', lt)) return endAfter(xml, '-->', lt + 4);
  if (xml.startsWith('<![CDATA[', lt)) return endAfter(xml, ']]>', lt + 9);
  if (xml.startsWith('<?', lt)) return endAfter(xml, '?>', lt + 2);
  let quote = 0;
  for (let j = lt + 1; j < xml.length; j++) {
    const c = xml.charCodeAt(j);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) quote = c;
    else if (c === 0x3e) return j + 1;
  }
  return -1;
}

function endAfter(xml: string, marker: string, from: number): number {
  const at = xml.indexOf(marker, from);
  return at < 0 ? -1 : at + marker.length;
}
