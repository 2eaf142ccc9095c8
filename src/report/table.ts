/** A plain-text table with aligned columns, for terminal summaries. */

/** The width every table a command prints fits in. */
export const TERMINAL_WIDTH = 100;

/** Narrower than this, wrapped cells stop being readable: the table is printed as records. */
const MIN_COLUMN = 14;

/**
 * The table, within `maxWidth` columns: when the natural layout is wider, the widest columns
 * are narrowed and their cells wrap (at spaces, then after `-`, `:`, `,` or `/`), with a blank
 * line between rows; when even that does not fit, one record per row (`header  value` lines).
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], maxWidth: number = TERMINAL_WIDTH): string {
  const natural = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const gaps = 2 * (header.length - 1);
  const widths = [...natural];
  const total = (): number => widths.reduce((a, b) => a + b, 0) + gaps;
  while (total() > maxWidth) {
    const widest = widths.indexOf(Math.max(...widths));
    if (widths[widest]! <= MIN_COLUMN) return formatRecords(header, rows, maxWidth);
    widths[widest]! -= 1;
  }
  const wrapped = widths.some((w, i) => w < natural[i]!);
  const render = (cells: readonly string[]): string[] => {
    const columns = widths.map((w, i) => wrapCell(cells[i] ?? '', w));
    const height = Math.max(...columns.map((c) => c.length));
    return Array.from({ length: height }, (_, line) => columns.map((c, i) => (c[line] ?? '').padEnd(widths[i]!)).join('  ').trimEnd());
  };
  const body = rows.map(render);
  return [
    ...render(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...(wrapped ? body.flatMap((lines, i) => (i === 0 ? lines : ['', ...lines])) : body.flat()),
  ].join('\n');
}

/** One block per row: its first cell, then `header  value` for the others, values wrapped. */
function formatRecords(header: readonly string[], rows: readonly (readonly string[])[], maxWidth: number): string {
  const label = Math.max(...header.slice(1).map((h) => h.length));
  const valueWidth = Math.max(MIN_COLUMN, maxWidth - label - 4);
  return rows.map((row) => [
    ...wrapCell(`${header[0]} ${row[0] ?? ''}`, maxWidth),
    ...header.slice(1).flatMap((h, i) => wrapCell(row[i + 1] ?? '', valueWidth).map((line, j) => `  ${(j === 0 ? h : '').padEnd(label)}  ${line}`.trimEnd())),
  ].join('\n')).join('\n\n');
}

/** `text` in lines of at most `width` characters. */
export function wrapCell(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    for (const piece of splitWord(word, width)) {
      if (line === '') line = piece;
      else if (line.length + 1 + piece.length <= width) line = `${line} ${piece}`;
      else {
        lines.push(line);
        line = piece;
      }
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** A word longer than `width`, in pieces that fit: after a separator where one is near, else hard. */
function splitWord(word: string, width: number): string[] {
  const pieces: string[] = [];
  let rest = word;
  while (rest.length > width) {
    const window = rest.slice(0, width);
    const cut = Math.max(...['-', ':', ',', '/'].map((s) => window.lastIndexOf(s)));
    const at = cut >= width / 3 ? cut + 1 : width;
    pieces.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  return [...pieces, rest];
}
