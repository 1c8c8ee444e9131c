// Building the chat's DOM: one element helper and ids unique within the page, shared by its parts.

let uid = 0;

/** A fresh id prefix (`tw1`, `tw2`, ...) for labels and aria references. */
export function nextId() {
  return `tw${++uid}`;
}

/** An element with attributes (`class`, `text`, `on<event>` handlers, others as attributes) and children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  node.append(...children.filter(Boolean));
  return node;
}
