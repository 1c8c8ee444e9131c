// The full chat page: reads the runtime config (config.json next to index.html), then mounts the chat.
import { mountChat } from "./chat.js";
import chatCss from "./chat.css";
import pageCss from "./page.css";

async function apiUrl() {
  try {
    const response = await fetch(new URL("config.json", document.baseURI), { cache: "no-cache" });
    if (response.ok) return (await response.json()).apiUrl || "";
  } catch {
    // No config: the API is on the page's own origin.
  }
  return "";
}

const style = document.createElement("style");
style.textContent = chatCss + pageCss;
document.head.append(style);

apiUrl().then((url) => {
  const main = document.getElementById("twin");
  main.replaceChildren();
  const chat = mountChat(main, {
    apiUrl: url,
    headingLevel: 1,
    onReady: (card) => {
      document.title = `Chat with ${card.name}`;
    },
  });
  // On touch screens focusing would pop up the keyboard over the greeting; elsewhere, type at once.
  if (!matchMedia("(pointer: coarse)").matches) chat.ready.then(() => chat.focus());
});
