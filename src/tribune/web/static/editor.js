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
