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
      enhanceVotes(item);
      enhanceMoreReplies(item);
    }
    const next = page.querySelector("p.more");
    if (next) {
      more.replaceWith(document.adoptNode(next));
      enhanceMore(document);
    } else {
      more.remove();
    }
  });
}

/**
 * Load the next page of a comment's replies where they belong instead of leaving the page:
 * each reply goes into the list of the comment it continues (data-under), so the thread reads
 * as if it had all been there from the start.
 */
function enhanceMoreReplies(root) {
  for (const link of root.querySelectorAll("a.more-replies")) {
    link.addEventListener("click", async (event) => {
      event.preventDefault();
      if (link.getAttribute("aria-busy") === "true") return;
      link.setAttribute("aria-busy", "true");
      const more = link.closest("p");
      const top = more.closest("li.comment");
      const response = await fetch(link.href, { credentials: "same-origin" });
      const page = response.ok
        ? new DOMParser().parseFromString(await response.text(), "text/html")
        : null;
      const fetched = page?.getElementById(top.id);
      if (!fetched) {
        window.location.href = link.href;
        return;
      }
      for (const item of fetched.querySelectorAll(":scope > ol.replies > li")) {
        const holder = document.getElementById(`c${item.dataset.under}`);
        if (holder) {
          // Under the comment it answers, it no longer needs to say whom it answers.
          item.querySelector(":scope > .comment-head > [data-context]")?.remove();
        }
        const under = holder || top;
        let list = under.querySelector(":scope > ol.replies");
        if (!list) {
          list = document.createElement("ol");
          list.className = "replies";
          under.insertBefore(list, under.querySelector(":scope > p.more-replies"));
        }
        item.removeAttribute("data-under");
        list.append(document.adoptNode(item));
        enhanceVotes(item);
      }
      const next = fetched.querySelector(":scope > p.more-replies");
      if (next) {
        const adopted = document.adoptNode(next);
        more.replaceWith(adopted);
        enhanceMoreReplies(adopted);
      } else {
        more.remove();
      }
    });
  }
}

/**
 * Follow the discussion live (Server-Sent Events). New comments do not move the text under
 * the reader's eyes: a "N new comments: show" button loads them; scores, edits and removals
 * change in place. The browser reconnects by itself, sending the last event id it saw.
 */
function followLive(section) {
  const bar = document.createElement("p");
  bar.className = "live-bar";
  bar.setAttribute("role", "status");
  const show = document.createElement("button");
  show.type = "button";
  show.hidden = true;
  bar.append(show);
  section.querySelector("h2").after(bar);
  let fresh = 0;

  const comment = (id) => document.getElementById(`c${id}`);
  const source = new EventSource(`/api/v1/stories/${section.dataset.story}/events`);
  source.addEventListener("comment", (event) => {
    const data = JSON.parse(event.data);
    if (comment(data.id)) return;
    fresh += 1;
    show.textContent = `${fresh} new comment${fresh === 1 ? "" : "s"}: show`;
    show.hidden = false;
  });
  source.addEventListener("score", (event) => {
    const data = JSON.parse(event.data);
    const score = comment(data.id)?.querySelector(":scope > .comment-actions .score");
    if (score) score.textContent = String(data.score);
  });
  source.addEventListener("edit", (event) => {
    const data = JSON.parse(event.data);
    const body = comment(data.id)?.querySelector(":scope > .comment-body");
    if (body) body.innerHTML = data.body_html; // sanitized on the server, like the page
  });
  source.addEventListener("delete", (event) => {
    const body = comment(JSON.parse(event.data).id)?.querySelector(":scope > .comment-body");
    if (body) body.textContent = "This comment was removed.";
  });
  source.addEventListener("reset", () => {
    source.close();
    show.textContent = "The discussion has changed: reload";
    show.hidden = false;
    fresh = -1;
  });
  // A page with an open stream cannot enter the back/forward cache: close it on leaving,
  // and follow again (from a fresh page) when the reader comes back to it.
  window.addEventListener("pagehide", () => source.close(), { once: true });
  window.addEventListener(
    "pageshow",
    (event) => {
      if (event.persisted) window.location.reload();
    },
    { once: true },
  );
  show.addEventListener("click", async () => {
    if (fresh < 0) {
      window.location.reload();
      return;
    }
    show.setAttribute("aria-busy", "true");
    const response = await fetch(section.dataset.firstPage, { credentials: "same-origin" });
    show.removeAttribute("aria-busy");
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const list = section.querySelector("ol.comments");
    const fresher = page.querySelector("body > ol.comments");
    if (!list || !fresher) {
      window.location.reload(); // the first comment of the story: the page has no list yet
      return;
    }
    list.replaceWith(document.adoptNode(fresher));
    const more = section.querySelector("p.more");
    const next = page.querySelector("body > p.more");
    if (more) more.remove();
    if (next) fresher.after(document.adoptNode(next));
    enhanceVotes(fresher);
    enhanceMoreReplies(fresher);
    enhanceMore(section);
    const title = section.querySelector("#comments-title");
    const total = Number(title.dataset.total) + fresh;
    title.dataset.total = String(total);
    title.textContent = `${total.toLocaleString("en-US")} comment${total === 1 ? "" : "s"}`;
    fresh = 0;
    show.hidden = true;
  });
}

/** Follow the discussion once the reader scrolls near it: no stream for those who never do. */
function followWhenSeen() {
  const section = document.getElementById("comments");
  if (!section || !section.dataset.story || !("EventSource" in window)) return;
  if (!("IntersectionObserver" in window)) {
    followLive(section);
    return;
  }
  const observer = new IntersectionObserver(
    (entries) => {
      if (entries.some((entry) => entry.isIntersecting)) {
        observer.disconnect();
        followLive(section);
      }
    },
    { rootMargin: "300px" },
  );
  observer.observe(section);
}

// The composer ----------------------------------------------------------------------------
// One comment form per page, at the top of the discussion. Reply moves it under the comment
// it answers, with that comment quoted; "Write a comment" brings it back as a new comment.
// Preview asks the server to render the Markdown; "Remember me" keeps the reader's name,
// e-mail and website in this browser's localStorage (never on the server, never shared).

const COMMENTER_KEY = "tribune.commenter";
const EXCERPT_MAX = 280; // as the server quotes (comments/pages.py)

function excerpt(text) {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= EXCERPT_MAX) return flat;
  const cut = flat.slice(0, EXCERPT_MAX);
  return `${(cut.includes(" ") ? cut.slice(0, cut.lastIndexOf(" ")) : cut).replace(/[ .,;:]+$/, "")}…`;
}

function enhanceComposer() {
  const form = document.querySelector("form#comment-form");
  const section = document.getElementById("comments");
  if (!form || !section) return;
  const title = form.querySelector("h2");
  const submit = form.querySelector('button[type="submit"]:not([name])');
  const body = form.querySelector("#f-body");
  const home = document.createElement("p");
  home.className = "write-here";
  home.hidden = true;
  home.innerHTML = '<a class="write-comment" href="#comment-form">Write a comment</a>';
  form.before(home);
  let answering = null; // the Reply link of the comment the form answers

  function reset() {
    for (const old of form.querySelectorAll('.reply-context, input[name="parent_id"]')) old.remove();
    form.querySelector("button.cancel")?.remove();
    title.textContent = "Leave a comment";
    submit.textContent = "Post comment";
    answering = null;
  }

  function place(where) {
    for (const p of section.querySelectorAll("p.write-here")) p.hidden = p === where;
    where.after(form);
  }

  function reply(link) {
    const item = link.closest("li.comment");
    reset();
    answering = link;
    const name = item.querySelector(":scope > .comment-head .author")?.textContent.trim() || "[deleted]";
    title.textContent = `Reply to ${name}`;
    submit.textContent = "Post reply";
    const quote = document.createElement("blockquote");
    quote.className = "quoted reply-context";
    quote.dir = "auto";
    const words = document.createElement("p");
    words.textContent = excerpt(item.querySelector(":scope > .comment-body")?.textContent || "");
    quote.append(words);
    const parent = document.createElement("input");
    parent.type = "hidden";
    parent.name = "parent_id";
    parent.value = item.id.slice(1);
    title.after(quote, parent);
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "secondary cancel";
    cancel.textContent = "Cancel";
    cancel.addEventListener("click", () => {
      const back = answering;
      reset();
      place(home);
      back?.focus();
    });
    form.querySelector(".form-actions").append(cancel);
    for (const p of section.querySelectorAll("p.write-here")) p.hidden = false;
    item.querySelector(":scope > .comment-actions").after(form);
    body.focus();
  }

  section.addEventListener("click", (event) => {
    const link = event.target.closest("a.reply, a.write-comment");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    if (link.classList.contains("reply")) {
      reply(link);
    } else {
      reset();
      place(link.closest("p"));
      body.focus();
    }
  });
  // New comments shown live replace the list the form may be in: keep it, and what is typed.
  new MutationObserver(() => {
    if (form.isConnected) return;
    const item = answering && document.getElementById(answering.closest("li.comment").id);
    if (item) {
      answering = item.querySelector(":scope > .comment-actions a.reply");
      item.querySelector(":scope > .comment-actions").after(form);
    } else {
      reset();
      place(home);
    }
  }).observe(section, { childList: true, subtree: true });
  enhancePreview(form, body);
  rememberCommenter(form);
}

/** Preview: the server renders the Markdown as it would publish it; again as the text changes. */
function enhancePreview(form, body) {
  const button = form.querySelector('button[name="preview"]');
  const panel = form.querySelector("#f-preview");
  if (!button || !panel) return;
  const out = panel.querySelector(".comment-body");
  let shown = !panel.hidden;
  let rendered = shown ? body.value : null;
  let timer = 0;
  button.setAttribute("aria-pressed", String(shown));

  async function render() {
    const text = body.value;
    if (text === rendered) return;
    rendered = text;
    panel.setAttribute("aria-busy", "true");
    try {
      const response = await fetch("/api/v1/preview", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ body: text }),
        credentials: "same-origin",
      });
      const answer = await response.json();
      if (response.ok) {
        out.innerHTML = answer.html || '<p class="empty">Nothing to preview yet: write your comment above.</p>'; // sanitized on the server
      } else {
        out.textContent = answer.errors?.body || answer.detail;
        rendered = null;
      }
    } catch {
      out.textContent = "The preview could not be made just now.";
      rendered = null;
    }
    panel.removeAttribute("aria-busy");
  }

  button.addEventListener("click", (event) => {
    event.preventDefault();
    shown = !shown;
    button.setAttribute("aria-pressed", String(shown));
    panel.hidden = !shown;
    if (shown) render();
  });
  body.addEventListener("input", () => {
    if (!shown) return;
    clearTimeout(timer);
    timer = setTimeout(render, 800);
  });
}

/** Remember me: this browser keeps the name, e-mail and website; unticking forgets them. */
function rememberCommenter(form) {
  const box = form.querySelector("#f-remember");
  if (!box) return;
  box.removeAttribute("name"); // kept here, so the server forgets any cookie of its own
  const fields = ["name", "email", "website"].map((name) => form.elements.namedItem(name));
  const store = {
    get: () => JSON.parse(localStorage.getItem(COMMENTER_KEY) || "null"),
    set: (value) => localStorage.setItem(COMMENTER_KEY, JSON.stringify(value)),
    forget: () => localStorage.removeItem(COMMENTER_KEY),
  };
  try {
    const saved = store.get();
    if (saved) {
      for (const field of fields) {
        if (!field.value && typeof saved[field.name] === "string") field.value = saved[field.name];
      }
      box.checked = true;
    }
    box.addEventListener("change", () => box.checked || store.forget());
    form.addEventListener("submit", () => {
      if (!box.checked) return store.forget();
      store.set(Object.fromEntries(fields.map((field) => [field.name, field.value.trim()])));
    });
  } catch {
    // Storage turned off in this browser: the form works as without JavaScript.
    box.setAttribute("name", "remember");
  }
}

enhanceVotes(document);
enhanceMore(document);
enhanceMoreReplies(document);
followWhenSeen();
enhanceComposer();
