// Tribune: progressive enhancement only. Every control works without this file.
"use strict";

/** Vote through the JSON API and update the score in place. */
function enhanceVotes(root) {
  for (const form of root.querySelectorAll("form.vote")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = event.submitter;
      if (!button) return;
      const response = await fetch(`/api/v1/comments/${form.dataset.comment}/votes`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ value: Number(button.value) }),
        credentials: "same-origin",
      });
      if (!response.ok) {
        form.submit(); // let the server-rendered path report what went wrong
        return;
      }
      const result = await response.json();
      form.querySelector(".score").textContent = String(result.score);
      for (const other of form.querySelectorAll("button")) {
        const direction = Number(other.dataset.dir);
        const pressed = result.value === direction;
        other.setAttribute("aria-pressed", String(pressed));
        other.value = String(pressed ? 0 : direction);
      }
    });
  }
}

/** Load the next page of comments below the current one instead of leaving the page. */
function enhanceMore(root) {
  const link = root.querySelector("a.more-comments");
  if (!link) return;
  link.addEventListener("click", async (event) => {
    event.preventDefault();
    link.setAttribute("aria-busy", "true");
    const response = await fetch(link.dataset.fragment, { credentials: "same-origin" });
    if (!response.ok) {
      window.location.href = link.href;
      return;
    }
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const list = document.querySelector("ol.comments");
    const more = link.closest("p");
    for (const item of page.querySelectorAll("body > ol.comments > li")) {
      list.append(document.adoptNode(item));
    }
    const next = page.querySelector("p.more");
    enhanceVotes(list);
    if (next) {
      more.replaceWith(document.adoptNode(next));
      enhanceMore(document);
    } else {
      more.remove();
    }
  });
}

enhanceVotes(document);
enhanceMore(document);
