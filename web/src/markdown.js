// Replies are markdown; they are rendered by marked and sanitised by DOMPurify, so nothing the model
// writes can run script. Raw HTML in a reply is shown as text, never interpreted.
import DOMPurify from "dompurify";
import { Marked } from "marked";

const escapeHtml = (text) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    html({ text }) {
      return escapeHtml(text);
    },
    image({ text }) {
      return escapeHtml(text || "");
    },
  },
});

const purifier = DOMPurify(window);
purifier.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

const ALLOWED_TAGS = [
  "p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a",
  "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
];

/** Safe HTML for a markdown reply. */
export function renderMarkdown(text) {
  return purifier.sanitize(marked.parse(text || ""), {
    ALLOWED_TAGS,
    ALLOWED_ATTR: ["href", "title", "target", "rel", "start", "align"],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|tel:|#)/i,
  });
}
