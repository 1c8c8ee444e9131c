// The one-tag widget: <script src=".../widget.js" data-api="https://..." async></script>.
// Everything lives in a shadow root, so the host page's styles and the widget's never meet.
import { mountChat } from "./chat.js";
import chatCss from "./chat.css";
import widgetCss from "./widget.css";

const script =
  document.currentScript || document.querySelector('script[src*="widget.js"][data-api], script[src*="widget.js"]');
const data = script ? script.dataset : {};

/** Where the API is and where replies stream from: data-api (and data-stream), else the runtime config
 *  next to widget.js (one build serves every stack), else the script's own origin. */
async function endpoints() {
  if (data.api !== undefined) return { apiUrl: data.api, streamUrl: data.stream || "" };
  const base = script ? new URL(".", script.src) : new URL("/", location.href);
  try {
    const response = await fetch(new URL("config.json", base), { cache: "no-cache" });
    if (response.ok) {
      const config = await response.json();
      if (config.apiUrl) return { apiUrl: config.apiUrl, streamUrl: config.streamUrl || "" };
    }
  } catch {
    // Fall through to the script's own origin.
  }
  return { apiUrl: base.origin, streamUrl: "" };
}

function luminance(colour) {
  const probe = document.createElement("canvas").getContext("2d");
  probe.fillStyle = colour;
  const hex = probe.fillStyle; // normalised to #rrggbb for opaque colours
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return null;
  const [r, g, b] = m.slice(1).map((h) => {
    const c = parseInt(h, 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function mount() {
  if (document.querySelector("twin-chat-widget")) return;
  const host = document.createElement("twin-chat-widget");
  const shadow = host.attachShadow({ mode: "open" });
  const style = document.createElement("style");
  style.textContent = chatCss + widgetCss;
  const frame = document.createElement("div");
  frame.className = `tw-widget tw-${data.position === "left" ? "left" : "right"}`;
  const accent = data.accent && CSS.supports("color", data.accent) ? data.accent : null;
  if (accent) {
    const light = luminance(accent);
    frame.style.setProperty("--tw-accent", accent);
    frame.style.setProperty("--tw-on-accent", light !== null && light > 0.18 ? "#111111" : "#ffffff");
  }
  const title = data.title || "Chat with my digital twin";
  const launcher = document.createElement("button");
  launcher.type = "button";
  launcher.className = "tw-launcher";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "tw-panel");
  launcher.innerHTML = '<span aria-hidden="true" class="tw-launcher-icon">💬</span>';
  launcher.append(Object.assign(document.createElement("span"), { className: "tw-launcher-text", textContent: title }));
  const panel = document.createElement("div");
  panel.id = "tw-panel";
  panel.className = "tw-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);
  panel.hidden = true;
  frame.append(launcher, panel);
  shadow.append(style, frame);
  document.body.append(host);

  let chat = null;
  async function open() {
    panel.setAttribute("aria-modal", small.matches ? "true" : "false");
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    frame.classList.add("tw-open");
    if (!chat) {
      chat = mountChat(panel, {
        ...(await endpoints()), // fetched on the first opening: a closed widget asks the server nothing
        title,
        greeting: data.greeting,
        onClose: close,
      });
      await chat.ready;
    }
    chat.focus();
  }
  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    frame.classList.remove("tw-open");
    launcher.focus();
  }
  launcher.addEventListener("click", () => (panel.hidden ? open() : close()));
  // Full screen on a small screen, the panel is modal: Tab cycles inside it until it is closed.
  const small = matchMedia("(max-width: 520px)");
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
    if (event.key !== "Tab" || !small.matches) return;
    const focusable = [...panel.querySelectorAll("button, textarea, input, a[href], [tabindex='0']")].filter(
      (node) => !node.disabled && node.getClientRects().length > 0,
    );
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (event.shiftKey && shadow.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && shadow.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });
  if (data.open === "true" || data.open === "") open();
}

if (document.body) mount();
else document.addEventListener("DOMContentLoaded", mount);
