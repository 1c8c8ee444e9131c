// Visitors' and models' words are hostile in the owner's views: always text (or sanitised Markdown),
// and with the characters that hide or reorder text made visible first.

// Controls (but tab and line feed) and format characters: bidirectional controls that reorder a line,
// zero-width characters and soft hyphens that split a word invisibly, tag characters that carry a
// whole hidden sentence.
const HIDDEN = /(?![\t\n])[\p{Cc}\p{Cf}]/gu;
// Emoji around a zero-width joiner: one picture (a family, a profession), not a hidden split.
const EMOJI_BEFORE = /\p{Extended_Pictographic}\uFE0F?$/u;
const EMOJI_AFTER = /^\p{Extended_Pictographic}/u;
// Five line breaks or more in a row (between them only what shows as blank: spaces of any width,
// no-break ones among them, and the letters that draw nothing, such as U+3164 and U+2800): one
// marker, so that a visitor's thousand empty lines cannot push the rest of a page out of sight.
const BLANK_RUN = /\n(?:[\t\r\p{Zs}\p{Zl}\p{Zp}\u115F\u1160\u2800\u3164\uFFA0]*\n){4,}/gu;

function picture(char, offset, text) {
  const code = char.codePointAt(0);
  if (code === 0x200d && EMOJI_BEFORE.test(text.slice(Math.max(0, offset - 3), offset))) {
    if (EMOJI_AFTER.test(text.slice(offset + 1, offset + 3))) return char;
  }
  if (code < 0x20) return String.fromCodePoint(0x2400 + code); // ␀ … ␟
  if (code === 0x7f) return "\u2421"; // ␡
  return `\u27e8U+${code.toString(16).toUpperCase().padStart(4, "0")}\u27e9`; // ⟨U+202E⟩
}

/** `text` with hidden characters shown as visible symbols and long runs of blank lines as a count. */
export function visible(text) {
  return String(text ?? "")
    .replace(BLANK_RUN, (run) => `\n\n\u27e8${run.split("\n").length - 2} blank lines\u27e9\n\n`)
    .replace(HIDDEN, picture);
}

const units = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** "3 minutes ago", "yesterday", "just now". */
export function ago(iso, now = Date.now()) {
  const seconds = (new Date(iso).getTime() - now) / 1000;
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return "just now";
}

export const when = (iso) => full.format(new Date(iso));

/** "1 turn", "3 turns". */
export function count(n, one, many = `${one}s`) {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** "4:05": minutes and seconds until `iso`. */
export function countdown(iso, now = Date.now()) {
  const left = Math.max(0, Math.round((new Date(iso).getTime() - now) / 1000));
  return `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
}
