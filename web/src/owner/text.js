// Visitors' and models' words are hostile in the owner's views: always text (or sanitised Markdown),
// and with the characters that hide or reorder text made visible first.

// C0 and C1 controls (but tab and line feed), and the bidirectional controls that can reorder a line.
const CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

function picture(char) {
  const code = char.codePointAt(0);
  if (code < 0x20) return String.fromCodePoint(0x2400 + code); // ␀ … ␟
  if (code === 0x7f) return "\u2421"; // ␡
  return `\u27e8U+${code.toString(16).toUpperCase().padStart(4, "0")}\u27e9`; // ⟨U+202E⟩
}

/** `text` with control and bidirectional characters shown as visible symbols. */
export function visible(text) {
  return String(text ?? "").replace(CONTROLS, picture);
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
