// The full chat page: reads the runtime config (config.json next to index.html), then mounts the chat.
import { mountChat } from "./chat.js";
import chatCss from "./chat.css";
import pageCss from "./page.css";

/** The runtime config next to the page: the API's URL and where replies stream from ("" = same origin). */
async function runtimeConfig() {
  try {
    const response = await fetch(new URL("config.json", document.baseURI), { cache: "no-cache" });
    if (response.ok) {
      const config = await response.json();
      return { apiUrl: config.apiUrl || "", streamUrl: config.streamUrl || "" };
    }
  } catch {
    // No config: the API is on the page's own origin.
  }
  return { apiUrl: "", streamUrl: "" };
}

const style = document.createElement("style");
style.textContent = chatCss + pageCss;
document.head.append(style);

runtimeConfig().then(({ apiUrl, streamUrl }) => {
  const main = document.getElementById("twin");
  main.replaceChildren();
  const chat = mountChat(main, {
    apiUrl,
    streamUrl,
    headingLevel: 1,
    onReady: (card) => {
      document.title = `Chat with ${card.name}`;
    },
  });
  // On touch screens focusing would pop up the keyboard over the greeting; elsewhere, type at once.
  if (!matchMedia("(pointer: coarse)").matches) chat.ready.then(() => chat.focus());
});
