// The owner's instructions: a short text the twin follows in every conversation from the next message.
import { el } from "../../dom.js";
import { api } from "../api.js";
import { heading, notice, stamp } from "../ui.js";

export async function instructions(main) {
  const said = notice();
  const text = el("textarea", {
    id: "or-instructions",
    class: "or-input or-instructions",
    rows: "10",
    "aria-describedby": "or-instructions-count or-instructions-help",
    placeholder: "Keep it warm and brief. Mention that I am open to platform roles in Stockholm. Book a call: https://cal.example/me",
  });
  const counter = el("p", { id: "or-instructions-count", class: "or-muted" });
  const saved = el("p", { class: "or-muted" });
  const save = el("button", { type: "submit", class: "or-button or-primary", text: "Save instructions" });
  const form = el(
    "form",
    { class: "or-card or-form" },
    el("label", { for: "or-instructions", class: "or-label", text: "Your instructions to the twin" }),
    el("p", {
      id: "or-instructions-help",
      class: "or-muted",
      text: "Tone, what to emphasise, what to avoid, a booking link. They apply from the next message; the rules that keep the twin truthful still hold.",
    }),
    text,
    counter,
    el("div", { class: "or-actions" }, save),
    saved,
  );
  main.append(heading("Instructions"), said.node, form);

  let max = 2000;
  // Counted as the server counts: characters (an emoji is one), without the blanks around the text.
  const update = () => {
    const length = [...text.value.trim()].length;
    counter.textContent = `${length} / ${max} characters`;
    const over = length > max;
    counter.classList.toggle("or-over", over);
    text.setAttribute("aria-invalid", String(over));
    save.disabled = over;
  };
  const show = (current) => {
    max = current.max_chars;
    text.value = current.text;
    saved.replaceChildren(...(current.updated_at ? ["Last saved ", stamp(current.updated_at), "."] : ["No instructions yet."]));
    update();
  };

  text.addEventListener("input", update);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      show(await api.send("PUT", "/instructions", { text: text.value.trim() }));
      said.show(text.value ? "Saved: the twin follows them from the next message." : "Cleared.", "ok");
    } catch (error) {
      said.show(error.message, "error");
    }
  });

  try {
    show(await api.get("/instructions"));
  } catch (error) {
    said.show(error.message, "error");
  }
}
