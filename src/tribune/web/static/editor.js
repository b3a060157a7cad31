// The story editor: a live preview beside the form, and the publishing time in the
// editor's own time zone. Without this script the form works the same (Preview opens a
// tab; the time is UTC).
(() => {
  "use strict";
  const form = document.getElementById("story-editor");
  if (!form) return;

  // datetime-local has no zone: send the browser's offset and say which zone it is.
  const offset = form.querySelector("[data-tz-offset]");
  if (offset) offset.value = String(new Date().getTimezoneOffset());
  const label = form.querySelector("[data-tz-label]");
  if (label) {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    label.textContent = zone ? `(your time, ${zone})` : "(your time)";
  }

  const pane = document.querySelector("[data-live-preview]");
  const button = form.querySelector("[data-preview]");
  if (!pane || !button || !window.matchMedia("(min-width: 70rem)").matches) return;
  // Wide screens: the preview is a frame beside the form, refreshed as the editor types.
  pane.hidden = false;
  form.closest(".editor-layout")?.classList.add("with-preview");
  const frame = pane.querySelector("iframe");
  const refresh = () => {
    const was = button.getAttribute("formtarget");
    button.setAttribute("formtarget", frame.name);
    // A file input would upload its picture on every keystroke: leave it out.
    const file = form.querySelector('input[type="file"]');
    const chosen = file?.files?.length ? file : null;
    if (chosen) chosen.disabled = true;
    form.requestSubmit(button);
    if (chosen) chosen.disabled = false;
    button.setAttribute("formtarget", was || "_blank");
  };
  let timer = 0;
  form.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 600);
  });
  refresh();
})();

// Pictures in the story's body: uploaded to Tribune (re-encoded, metadata removed), then
// inserted as Markdown where the cursor is. Without JavaScript, the lead image field remains.
(() => {
  "use strict";
  const form = document.getElementById("story-editor");
  const box = form?.querySelector("[data-body-image]");
  if (!form || !box) return;
  box.hidden = false;
  const file = box.querySelector('input[type="file"]');
  const alt = box.querySelector('input[type="text"]');
  const status = box.querySelector("[data-body-image-status]");
  const body = form.querySelector("#f-body");
  box.querySelector("[data-insert-image]").addEventListener("click", async () => {
    if (!file.files.length) {
      status.textContent = "Please choose a picture first.";
      file.focus();
      return;
    }
    if (!alt.value.trim()) {
      status.textContent = "Please describe the picture for readers who cannot see it.";
      alt.focus();
      return;
    }
    const data = new FormData();
    data.append("csrf_token", form.querySelector('input[name="csrf_token"]').value);
    data.append("image", file.files[0]);
    data.append("alt", alt.value.trim());
    status.textContent = "Uploading…";
    let answer;
    try {
      answer = await fetch("/admin/images", { method: "POST", body: data, credentials: "same-origin" });
    } catch {
      status.textContent = "The picture could not be sent: check the connection and try again.";
      return;
    }
    const json = await answer.json().catch(() => ({}));
    if (!answer.ok) {
      status.textContent = json.errors?.image || json.detail || "The picture was not accepted.";
      return;
    }
    const at = body.selectionStart ?? body.value.length;
    const text = `\n\n${json.markdown}\n\n`;
    body.setRangeText(text, at, body.selectionEnd ?? at, "end");
    body.dispatchEvent(new Event("input", { bubbles: true }));
    status.textContent = "Inserted.";
    file.value = "";
    alt.value = "";
    body.focus();
  });
})();
