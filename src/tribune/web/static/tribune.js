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
    if (body && data.edited_at) markEdited(comment(data.id), data.edited_at);
  });
  source.addEventListener("delete", (event) => {
    const item = comment(JSON.parse(event.data).id);
    const body = item?.querySelector(":scope > .comment-body");
    if (!body) return;
    body.textContent = "This comment was removed.";
    item.classList.add("removed");
    // Nothing left to vote on, answer or report.
    item.querySelector(":scope > .comment-actions")?.remove();
  });
  source.addEventListener("story", (event) => {
    applyCommentMode(section, JSON.parse(event.data).comment_mode);
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
        out.innerHTML = answer.html; // sanitized on the server
        panel.querySelector("p.empty").hidden = Boolean(answer.html);
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

// Thread: times, edit windows and the story's comment mode (issue 12) ------------------------

const MINUTE = 60 * 1000;
const exactTime = new Intl.DateTimeFormat(undefined, {
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  timeZoneName: "short",
});
const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/** "5 minutes ago" for a recent moment; the date in the reader's time zone for an older one. */
function ago(date, now) {
  const seconds = Math.round((now - date) / 1000);
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return relative.format(-minutes, "minute");
  const hours = Math.round(minutes / 60);
  if (hours < 24) return relative.format(-hours, "hour");
  const days = Math.round(hours / 24);
  if (days < 7) return relative.format(-days, "day");
  return exactTime.format(date);
}

/**
 * Comment times as readers say them, with the exact time (their own zone) on hover. The page
 * itself says UTC, the same for everyone (it is shared); only the browser knows the zone.
 */
function showTimes(root) {
  const now = Date.now();
  for (const time of root.querySelectorAll(".comment-head time[datetime]")) {
    const date = new Date(time.getAttribute("datetime"));
    if (Number.isNaN(date.getTime())) continue;
    time.textContent = ago(date, now);
    time.title = exactTime.format(date);
  }
}

/** The "edited" mark a live edit adds, as the page would have shown it. */
function markEdited(item, editedAt) {
  const head = item.querySelector(":scope > .comment-head");
  if (!head) return;
  let mark = head.querySelector(":scope > .edited");
  if (!mark) {
    mark = document.createElement("span");
    mark.className = "edited";
    mark.append("edited ", document.createElement("time"));
    head.append(mark);
  }
  const time = mark.querySelector("time");
  time.setAttribute("datetime", editedAt);
  showTimes(item);
}

/**
 * The author's time to edit: "You can edit for N more minutes" counts down, and when it ends
 * the Edit and Delete links go (they would only lead to a refusal).
 */
function countDownEdits() {
  const now = Date.now();
  let next = MINUTE;
  for (const holder of document.querySelectorAll("[data-until]")) {
    const left = new Date(holder.dataset.until).getTime() - now;
    if (!(left > 0)) {
      if (holder.classList.contains("own")) {
        holder.remove();
      } else {
        holder.textContent = "The time to change this comment has passed.";
        holder.removeAttribute("data-until");
      }
      continue;
    }
    const minutes = Math.ceil(left / MINUTE);
    const note = holder.classList.contains("own") ? holder.querySelector(".edit-left") : holder;
    note.textContent = note.textContent.replace(
      /[0-9][0-9,]* more minutes?/,
      `${minutes.toLocaleString("en-US")} more minute${minutes === 1 ? "" : "s"}`,
    );
    next = Math.min(next, left - (minutes - 1) * MINUTE);
  }
  window.setTimeout(countDownEdits, Math.max(next, 250) + 50);
}

const MODE_NOTES = {
  closed: "Comments are now closed.",
  premoderated: "New comments will be reviewed before they appear.",
};

/**
 * The story's comment mode changed while the page was open: say so above each comment form
 * at once, and on a closed story keep what the reader typed as a read-only copy rather than
 * let them post into a refusal.
 */
function applyCommentMode(section, mode) {
  if (section.dataset.mode === mode) return;
  section.dataset.mode = mode;
  for (const note of section.querySelectorAll(".live-mode")) note.remove();
  for (const form of section.querySelectorAll("form.comment-form")) {
    const closed = mode === "closed";
    const typed = [...form.querySelectorAll("textarea")].some((box) => box.value.trim());
    for (const field of form.querySelectorAll("textarea, input:not([type=hidden])")) {
      field.readOnly = closed;
    }
    for (const button of form.querySelectorAll("button")) button.disabled = closed;
    form.classList.toggle("is-closed", closed);
    const text = MODE_NOTES[mode];
    if (!text) continue;
    const note = document.createElement("p");
    note.className = `live-mode ${mode}`;
    note.setAttribute("role", closed ? "alert" : "status");
    note.textContent = closed && typed ? `${text} Your comment was not posted; what you wrote is still here to copy.` : text;
    form.before(note);
  }
  for (const old of section.querySelectorAll("p.premoderated")) old.hidden = mode !== "premoderated";
  const closedNote = section.querySelector("p.closed");
  if (closedNote && mode !== "closed" && !section.querySelector("form.comment-form")) {
    const again = document.createElement("p");
    again.className = "live-mode open";
    again.setAttribute("role", "status");
    const reload = document.createElement("a");
    reload.href = window.location.pathname + "#comments";
    reload.textContent = "reload the page to comment";
    reload.addEventListener("click", () => window.location.reload());
    again.append("Comments are open again: ", reload, ".");
    closedNote.replaceWith(again);
  }
}

/** A form sent after the story closed (one added to the page later, say) is held back too. */
function holdClosedForms(section) {
  section.addEventListener(
    "submit",
    (event) => {
      if (section.dataset.mode !== "closed") return;
      if (!event.target.matches("form.comment-form")) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      section.dataset.mode = "";
      applyCommentMode(section, "closed");
    },
    true,
  );
}

function followThread() {
  showTimes(document);
  window.setInterval(() => showTimes(document), 30 * 1000);
  countDownEdits();
  const section = document.getElementById("comments");
  if (!section) return;
  holdClosedForms(section);
  // Comments loaded later ("Show more", new comments, more replies) get their times at once.
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) if (node.nodeType === 1) showTimes(node);
    }
  }).observe(section, { childList: true, subtree: true });
}

/** The short link's Copy button: shown only where the browser can copy (the link itself is
 * there to select either way). */
function enhanceCopyLinks() {
  if (!navigator.clipboard) return;
  for (const button of document.querySelectorAll("button.copy-link")) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(button.dataset.copy);
        button.textContent = "Copied";
      } catch {
        button.textContent = "Select the link to copy it";
      }
      window.setTimeout(() => {
        button.textContent = "Copy";
      }, 2000);
    });
  }
}

enhanceVotes(document);
enhanceMore(document);
enhanceMoreReplies(document);
followWhenSeen();
enhanceComposer();
followThread();
enhanceCopyLinks();
