// Tribune's discussion under any page. What the host page gives (data-*, its address, title,
// canonical link) is untrusted: cut to length, sent as data, shown as text only. HTML comes
// from Tribune, sanitized there. No cookie: the reader's tokens live in this page's storage.
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || window.__tribune) return;
  window.__tribune = true;
  const BASE = script.src.replace(/\/embed\.js([?#].*)?$/, "");
  const CSS = BASE + "__EMBED_CSS__";
  const clip = (value, max) => String(value || "").replace(/[\u0000-\u001f\u007f]/g, " ").slice(0, max);
  const el = (tag, props = {}, ...children) => {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children);
    return node;
  };
  const button = (text, then, className = "t-link", label = "") => {
    const made = el("button", { type: "button", textContent: text, className });
    if (label) made.setAttribute("aria-label", label);
    made.addEventListener("click", then);
    return made;
  };
  const DELETED = "This comment was deleted by its author.";
  const plural = (n, word) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;

  // The reader's tokens, in this page's storage (in memory where storage is off) ----------
  const KEY = `tribune:${BASE}`;
  let saved = {};
  try {
    saved = JSON.parse(localStorage.getItem(KEY) || "{}") || {};
  } catch {
    saved = {};
  }
  const state = { voter: "", own: {}, votes: {}, reported: {}, me: {}, ...saved };
  const keep = () => {
    try {
      localStorage.setItem(KEY, JSON.stringify(state));
    } catch {
      // storage blocked: tokens last as long as the page
    }
  };

  async function api(method, path, body, token, key) {
    const headers = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (token) headers.authorization = `Bearer ${token}`;
    if (key) headers["idempotency-key"] = key;
    if (state.voter && method !== "GET") headers["x-tribune-voter"] = state.voter;
    let response;
    try {
      response = await fetch(BASE + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
      });
    } catch {
      return { ok: false, status: 0, data: { detail: "Tribune could not be reached. Please try again." } };
    }
    const voter = response.headers.get("x-tribune-voter");
    if (voter && voter !== state.voter) {
      state.voter = voter;
      keep();
    }
    let data = {};
    try {
      data = await response.json();
    } catch {
      data = {};
    }
    return { ok: response.ok, status: response.status, data };
  }

  // Counts of other discussions on this page: count.js does them, all in one request.
  if (document.querySelector("[data-tribune-count-url]")) {
    document.head.append(el("script", { src: `${BASE}/count.js`, async: true }));
  }

  const holder = document.getElementById("tribune-thread");
  if (!holder) return;
  const canonical = document.querySelector('link[rel="canonical"]')?.href;
  const pageUrl = clip(holder.dataset.tribuneUrl || canonical || location.href.split("#")[0], 2000);
  const pageTitle = clip(holder.dataset.tribuneTitle || document.title, 200).trim();
  const theme = { light: "light", dark: "dark" }[holder.dataset.tribuneTheme] || "auto";
  const firstSort = { oldest: 1, newest: 1, top: 1, replies: 1 }[holder.dataset.tribuneSort] ? holder.dataset.tribuneSort : "";

  const root = holder.shadowRoot || holder.attachShadow({ mode: "open" });
  const scheme = matchMedia("(prefers-color-scheme: dark)");
  const paint = () => (holder.dataset.theme = theme === "auto" ? (scheme.matches ? "dark" : "light") : theme);
  paint();
  scheme.addEventListener?.("change", paint);
  const shell = el("div");
  shell.hidden = true;
  const sheet = el("link", { rel: "stylesheet", href: CSS });
  sheet.addEventListener("load", () => (shell.hidden = false));
  sheet.addEventListener("error", () => (shell.hidden = false));
  const live = el("p", { className: "t-sr" });
  live.setAttribute("aria-live", "polite");
  root.replaceChildren(sheet, shell, live);
  const say = (text) => {
    live.textContent = "";
    window.setTimeout(() => (live.textContent = text), 50);
  };

  // the section.tribune shown
  let section = null;
  let storyId = "";
  const comment = (id) => section.querySelector(`#tribune-c${Number(id)}`);

  async function fragment(params) {
    const query = new URLSearchParams({ url: pageUrl, ...params });
    let response;
    try {
      response = await fetch(`${BASE}/embed/thread?${query}`, { credentials: "omit", cache: "no-cache" });
    } catch {
      return null;
    }
    if (!response.ok) return null;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    return page.querySelector("section.tribune");
  }

  // The server-side include's markup is adopted in place; without one, the first page is fetched.
  async function start() {
    const included = holder.querySelector(":scope > section.tribune");
    const found = included && !firstSort ? included : await fragment(firstSort ? { sort: firstSort } : {});
    if (!found) {
      shell.replaceChildren(el("p", { textContent: "The discussion could not be loaded just now." }));
      shell.hidden = false;
      return;
    }
    show(document.adoptNode(found));
  }

  function show(found) {
    section = found;
    storyId = section.dataset.tribuneStory;
    shell.replaceChildren(section);
    for (const item of section.querySelectorAll("li.t-comment")) controls(item);
    section.querySelector(".t-sort")?.addEventListener("click", sortBy);
    section.querySelector(".t-more a")?.addEventListener("click", more);
    section.addEventListener("click", moreReplies);
    composer();
    showOwnPending();
    yours();
    follow();
  }

  async function sortBy(event) {
    const link = event.target.closest("a[data-sort]");
    if (!link) return;
    event.preventDefault();
    const found = await fragment({ sort: link.dataset.sort });
    if (!found) return;
    stop();
    show(document.adoptNode(found));
    section.querySelector(`.t-sort a[data-sort="${link.dataset.sort}"]`)?.focus();
  }

  async function more(event) {
    event.preventDefault();
    const link = event.currentTarget;
    link.setAttribute("aria-busy", "true");
    const found = await fragment({ sort: section.dataset.sort, after: link.dataset.cursor });
    const holderP = link.closest("p");
    if (!found) return link.removeAttribute("aria-busy");
    const list = section.querySelector("ol.t-comments");
    const items = [...found.querySelectorAll("ol.t-comments > li")];
    for (const item of items) {
      if (comment(item.dataset.id)) continue;
      list.append(document.adoptNode(item));
      controls(item);
    }
    const next = found.querySelector(".t-more");
    if (next) {
      holderP.replaceWith(document.adoptNode(next));
      next.querySelector("a").addEventListener("click", more);
    } else {
      holderP.remove();
    }
    items[0]?.setAttribute("tabindex", "-1");
    items[0]?.focus();
    say(`${items.length} more comments shown`);
  }

  // Each comment's controls: votes, reply, report, and the reader's own edit and delete ----
  const label = (item) => `comment by ${item.querySelector(".t-author")?.textContent.trim() || "a reader"}`;

  function controls(item) {
    const bar = item.querySelector(":scope > .t-actions");
    if (!bar || bar.dataset.ready) return;
    bar.dataset.ready = "1";
    const id = item.dataset.id;
    const score = bar.querySelector(".t-score");
    const vote = (value, text, name) => {
      const made = button(text, () => castVote(item, value), "t-vote", `${name} ${label(item)}`);
      made.dataset.value = String(value);
      made.setAttribute("aria-pressed", String(state.votes[id] === value));
      return made;
    };
    score.before(vote(1, "▲", "Vote up"));
    score.after(vote(-1, "▼", "Vote down"));
    bar.append(button("Reply", () => composer(item), "t-link", `Reply to ${label(item)}`));
    const own = state.own[id];
    if (own && Date.parse(own.until) > Date.now()) {
      bar.append(button("Edit", () => editor(item)), button("Delete", () => deleteOwn(item)));
    } else if (state.reported[id]) {
      bar.append(el("span", { className: "t-mine", textContent: "Reported" }));
    } else {
      const report = button("Report", () => reporter(item, report), "t-link", `Report ${label(item)}`);
      bar.append(report);
    }
  }

  async function castVote(item, value) {
    const id = item.dataset.id;
    const next = state.votes[id] === value ? 0 : value;
    const { ok, data } = await api("POST", `/api/v1/comments/${id}/votes`, { value: next });
    if (!ok) return say(data.detail || "The vote was not counted.");
    state.votes[id] = data.value;
    keep();
    item.querySelector(":scope > .t-actions .t-score").textContent = String(data.score);
    for (const vote of item.querySelectorAll(":scope > .t-actions .t-vote")) {
      vote.setAttribute("aria-pressed", String(Number(vote.dataset.value) === data.value));
    }
    say(`Score ${data.score}`);
  }

  const REASONS = { spam: "Spam", abuse: "Abuse or harassment", "off-topic": "Off-topic", misinformation: "Misinformation", other: "Something else" };

  function reporter(item, opener) {
    if (item.querySelector(":scope > form.t-report")) return;
    const id = item.dataset.id;
    const select = el("select", { name: "reason", id: `tribune-reason-${id}` });
    for (const [value, text] of Object.entries(REASONS)) select.append(el("option", { value, textContent: text }));
    const note = el("input", { name: "text", id: `tribune-report-${id}`, maxLength: 500 });
    const error = el("p", { className: "t-error", hidden: true });
    const form = el(
      "form",
      { className: "t-form t-report" },
      el("label", { htmlFor: select.id, textContent: "Why should moderators look at this comment?" }),
      select,
      el("label", { htmlFor: note.id, textContent: "Anything to add? " }, el("span", { className: "t-hint", textContent: "(optional)" })),
      note,
      error,
      el("p", { className: "t-buttons" }, el("button", { type: "submit", className: "t-primary", textContent: "Send report" }), cancelButton(() => { form.remove(); opener.focus(); })),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const { ok, status, data } = await api("POST", `/api/v1/comments/${id}/reports`, { reason: select.value, text: note.value });
      if (!ok && status !== 409) {
        error.textContent = Object.values(data.errors || {})[0] || data.detail || "The report was not sent.";
        error.hidden = false;
        return;
      }
      state.reported[id] = 1;
      keep();
      const thanks = el("p", { className: "t-mine", textContent: "You reported this comment. Thank you, a moderator will look at it." });
      thanks.setAttribute("tabindex", "-1");
      form.replaceWith(thanks);
      opener.replaceWith(el("span", { className: "t-mine", textContent: "Reported" }));
      thanks.focus();
    });
    item.querySelector(":scope > .t-actions").after(form);
    select.focus();
  }

  const cancelButton = (then) => button("Cancel", then, "");

  function editor(item) {
    const id = item.dataset.id;
    const own = state.own[id];
    const body = item.querySelector(":scope > .t-body");
    if (!own || !body || item.querySelector(":scope > form.t-edit")) return;
    const box = el("textarea", { name: "body", id: `tribune-edit-${id}`, value: own.body || body.textContent.trim(), maxLength: 10000 });
    const error = el("p", { className: "t-error", hidden: true, id: `tribune-edit-error-${id}` });
    box.setAttribute("aria-describedby", error.id);
    const form = el(
      "form",
      { className: "t-form t-edit", noValidate: true },
      el("label", { htmlFor: box.id, textContent: "Edit your comment" }),
      box,
      error,
      el("p", { className: "t-buttons" }, el("button", { type: "submit", className: "t-primary", textContent: "Save" }), cancelButton(() => { form.remove(); body.hidden = false; })),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const { ok, data } = await api("PATCH", `/api/v1/comments/${id}`, { body: box.value }, own.token);
      if (!ok) {
        error.textContent = data.errors?.body || data.detail || "The comment was not saved.";
        error.hidden = false;
        box.setAttribute("aria-invalid", "true");
        box.focus();
        return;
      }
      own.body = box.value;
      keep();
      // sanitized by Tribune
      body.innerHTML = data.body_html;
      body.hidden = false;
      form.remove();
      item.querySelector(":scope > .t-actions button.t-link")?.focus();
      say("Your comment was saved");
    });
    body.hidden = true;
    body.after(form);
    box.focus();
  }

  async function deleteOwn(item) {
    const id = item.dataset.id;
    if (!window.confirm("Delete your comment? This cannot be undone.")) return;
    const { ok, data } = await api("DELETE", `/api/v1/comments/${id}`, undefined, state.own[id]?.token);
    if (!ok) return say(data.detail || "The comment was not deleted.");
    delete state.own[id];
    keep();
    yours();
    removed(item, DELETED);
    say("Your comment was deleted");
  }

  function counted(delta) {
    const total = Number(section.dataset.total) + delta;
    section.dataset.total = String(total);
    section.querySelector("h2").textContent = plural(total, "comment");
  }

  function removed(item, text) {
    const body = item.querySelector(":scope > .t-body");
    if (body) body.replaceWith(el("p", { className: "t-body", textContent: text }));
    item.classList.add("t-removed");
    item.querySelector(":scope > .t-actions")?.remove();
  }

  // The reader's data: everything kept of the comments this browser holds tokens for,
  // downloaded as a file (its blob lives as long as the page) or erased, a placeholder
  // staying where replies hang from one. Comment lines and indentation cost nothing served.
  function yours() {
    section.querySelector(".t-foot")?.remove();
    const tokens = Object.values(state.own).filter((own) => Date.parse(own.until) > Date.now()).map((own) => own.token);
    if (!tokens.length) return;
    const mine = async (path, then) => {
      const { ok, data } = await api("POST", `/api/v1/comments/mine${path}`, { tokens });
      if (ok) then(data);
      else window.alert(data.detail);
    };
    const save = () => mine("", (data) => el("a", { href: URL.createObjectURL(new Blob([JSON.stringify(data)])), download: "my-comments.json" }).click());
    const erase = () => window.confirm(`Erase your ${plural(tokens.length, "comment")}? This cannot be undone.`) && mine("/erase", (data) => {
      for (const id of data.erased) {
        const item = comment(id);
        delete state.own[id];
        if (item && !item.matches(".t-pending")) counted(-1);
        if (item?.querySelector("li")) removed(item, DELETED);
        else item?.remove();
      }
      keep();
      yours();
      say("Your comments were erased");
    });
    section.append(el("p", { className: "t-actions t-foot" }, "Your data:", button("Download", save), button("Erase", erase)));
  }

  // The comment form: one, at the top; Reply moves it under the comment it answers ---------
  let form = null;
  let answering = null;

  function field(name, text, attrs, hint) {
    const id = `tribune-${name}`;
    const input = el(name === "body" ? "textarea" : "input", { id, name, ...attrs });
    const error = el("p", { className: "t-error", id: `${id}-error`, hidden: true });
    input.setAttribute("aria-describedby", `${id}-error`);
    const caption = el("label", { htmlFor: id, textContent: text });
    if (hint) caption.append(" ", el("span", { className: "t-hint", textContent: hint }));
    return el("div", { className: "t-field" }, caption, input, error);
  }

  function composer(replyTo) {
    if (section.dataset.mode === "closed") return;
    if (!form) form = buildForm();
    const title = form.querySelector("h3");
    form.querySelector(".t-quote")?.remove();
    form.querySelector(".t-cancel")?.remove();
    answering = replyTo || null;
    if (answering) {
      title.textContent = `Reply to ${answering.querySelector(".t-author")?.textContent.trim() || "[deleted]"}`;
      const words = clip(answering.querySelector(":scope > .t-body")?.textContent.replace(/\s+/g, " ").trim(), 280);
      title.after(el("blockquote", { className: "t-quote", textContent: words }));
      const cancel = cancelButton(() => {
        const back = answering;
        composer();
        back.querySelector(":scope > .t-actions button.t-link")?.focus();
      });
      cancel.classList.add("t-cancel");
      form.querySelector(".t-buttons").append(cancel);
      answering.querySelector(":scope > .t-actions").after(form);
      form.querySelector("textarea").focus();
    } else {
      title.textContent = "Leave a comment";
      const anchor = section.querySelector(".t-sort") || section.querySelector(".t-empty") || section.querySelector("ol.t-comments") || section.querySelector(".t-note") || section.querySelector("h2");
      if (anchor.matches("h2, .t-note")) anchor.after(form);
      else anchor.before(form);
    }
  }

  function buildForm() {
    const me = state.me || {};
    const built = el(
      "form",
      { className: "t-form t-compose", noValidate: true },
      el("h3", { textContent: "Leave a comment" }),
      field("body", "Comment", { rows: 4, maxLength: 10000 }, "(Markdown: *emphasis*, [links](https://…), > quotes)"),
      el(
        "div",
        { className: "t-row" },
        field("name", "Name", { maxLength: 100, autocomplete: "name", value: me.name || "" }),
        field("email", "E-mail", { type: "email", maxLength: 254, autocomplete: "email", value: me.email || "" }, "(optional, never shown)"),
        field("website", "Website", { type: "url", maxLength: 2000, autocomplete: "url", value: me.website || "" }, "(optional)"),
      ),
      el("p", { className: "t-buttons" }, el("button", { type: "submit", className: "t-primary", textContent: "Post comment" })),
      el("p", { className: "t-status", hidden: true }),
    );
    built.addEventListener("submit", post);
    return built;
  }

  function problems(errors) {
    let first = null;
    for (const name of ["body", "name", "email", "website"]) {
      const input = form.elements.namedItem(name);
      const error = form.querySelector(`#tribune-${name}-error`);
      const text = errors[name];
      error.textContent = text || "";
      error.hidden = !text;
      if (text) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
      if (text && !first) first = input;
    }
    return first;
  }

  async function post(event) {
    event.preventDefault();
    const submit = form.querySelector('button[type="submit"]');
    const status = form.querySelector(".t-status");
    const values = Object.fromEntries(["body", "name", "email", "website"].map((name) => [name, form.elements.namedItem(name).value]));
    status.hidden = true;
    submit.disabled = true;
    try {
      if (!storyId) {
        const opened = await api("POST", "/api/v1/threads", { url: pageUrl, title: pageTitle });
        if (!opened.ok) throw new Error(opened.data.detail);
        storyId = String(opened.data.id);
        section.dataset.tribuneStory = storyId;
        follow();
      }
      const sent = { ...values };
      if (!sent.email.trim()) delete sent.email;
      if (!sent.website.trim()) delete sent.website;
      if (answering) sent.parent_id = Number(answering.dataset.id);
      form.dataset.key ||= crypto.randomUUID?.() || String(Math.random()).slice(2);
      const { ok, data } = await api("POST", `/api/v1/stories/${storyId}/comments`, sent, "", form.dataset.key);
      if (!ok) {
        const first = problems(data.errors || {});
        if (!first) throw new Error(data.detail);
        // its message is its description: read out with it
        first.focus();
        return;
      }
      problems({});
      delete form.dataset.key;
      state.me = { name: values.name.trim(), email: values.email.trim(), website: values.website.trim() };
      state.own[data.id] = { token: data.edit_token, until: new Date(Date.now() + Number(section.dataset.editMinutes || 0) * 60000).toISOString(), body: values.body, story: storyId, comment: data };
      keep();
      yours();
      form.elements.namedItem("body").value = "";
      const item = ownItem(data);
      place(item, answering);
      if (fresh.delete(data.id)) freshLabel();
      if (data.status === "approved") counted(1);
      composer();
      item.setAttribute("tabindex", "-1");
      item.focus();
      say(data.status === "approved" ? "Your comment was posted" : `Your comment was sent: ${data.moderation || "awaiting moderation"}.`);
    } catch (error) {
      status.textContent = error.message || "The comment was not posted. Please try again.";
      status.hidden = false;
      say(status.textContent);
    } finally {
      submit.disabled = false;
    }
  }

  // As the fragment writes times: "3 Dec 2026, 09:01 UTC".
  const MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ");
  const two = (n) => String(n).padStart(2, "0");
  const utc = (iso) => {
    const d = new Date(iso);
    return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${two(d.getUTCHours())}:${two(d.getUTCMinutes())} UTC`;
  };

  /** A comment from the API (with its replies), as the fragment shows it; the reader's
   * own pending one only to them. */
  function ownItem(c) {
    const gone = c.status === "deleted" || c.status === "hidden";
    const name = el("bdi", { textContent: gone ? `[${c.status}]` : c.name });
    const who = c.website && !gone ? el("a", { href: c.website, rel: "nofollow ugc noopener noreferrer" }, name) : el("span", {}, name);
    who.className = "t-author";
    const time = el("time", { dateTime: c.created_at, textContent: utc(c.created_at) });
    const head = el("p", { className: "t-head" }, who, el("a", { className: "t-when", href: `${BASE}/comments/${c.id}` }, time));
    const body = el(gone ? "p" : "div", { className: "t-body", dir: "auto" });
    // body_html is sanitized by Tribune
    if (gone) body.textContent = c.status === "deleted" ? DELETED : "This comment is hidden.";
    else body.innerHTML = c.body_html;
    const bar = el("p", { className: "t-actions" }, el("span", { className: "t-score", title: "Score", textContent: String(c.score || 0) }));
    const item = el("li", { id: `tribune-c${c.id}`, className: `t-comment${gone ? " t-removed" : ""}` }, head, body);
    item.dataset.id = String(c.id);
    if (!gone) item.append(bar);
    if (c.replies?.length) item.append(el("ol", { className: "t-replies" }, ...c.replies.map(ownItem)));
    if (c.status === "pending" || c.status === "rejected") {
      item.classList.add("t-pending");
      const note = c.status === "pending" ? "Awaiting moderation: only you can see this comment until a moderator approves it." : "Not published.";
      bar.replaceChildren(el("span", { className: "t-mine", textContent: note }));
      bar.dataset.ready = "1";
    } else if (!gone) {
      controls(item);
    }
    return item;
  }

  /** "Show N more replies": the next page of them, each under the comment it answers. */
  async function moreReplies(event) {
    const link = event.target.closest(".t-more-replies a");
    if (!link) return;
    event.preventDefault();
    const top = link.closest("li.t-comment");
    const cursor = new URL(link.href).searchParams.get("after") || "";
    const { ok, data } = await api("GET", `/api/v1/comments/${top.dataset.id}/replies?cursor=${encodeURIComponent(cursor)}`);
    if (!ok) return say(data.detail || "The replies could not be loaded.");
    for (const c of data.comments) {
      if (comment(c.id)) continue;
      const parent = comment(c.parent_id) || top;
      // At the display depth a reply goes beside its parent, as the thread shows it.
      const under = parent.closest("ol.t-replies ol.t-replies ol.t-replies") ? parent.parentElement.closest("li.t-comment") : parent;
      let list = under.querySelector(":scope > ol.t-replies");
      if (!list) under.querySelector(":scope > .t-actions, :scope > .t-body").after((list = el("ol", { className: "t-replies" })));
      list.append(ownItem(c));
    }
    if (data.next_cursor) link.href = `${BASE}/comments/${top.dataset.id}/replies?after=${encodeURIComponent(data.next_cursor)}`;
    else link.closest("p").remove();
    say("More replies shown");
  }

  function place(item, parent) {
    if (parent) {
      let list = parent.querySelector(":scope > ol.t-replies");
      if (!list) parent.querySelector(":scope > .t-actions").after((list = el("ol", { className: "t-replies" })));
      list.append(item);
      return;
    }
    let list = section.querySelector("ol.t-comments");
    if (!list) {
      list = el("ol", { className: "t-comments" });
      section.querySelector(".t-empty")?.replaceWith(list);
      if (!list.isConnected) form.after(list);
    }
    list.prepend(item);
  }

  function showOwnPending() {
    for (const [id, own] of Object.entries(state.own)) {
      // Pending ones for a day; published ones while they can be edited (a shared cache may
      // still hold a page from before them).
      const until = Date.parse(own.until) + (own.comment?.status === "pending" ? 864e5 : 0);
      if (own.story !== storyId || !own.comment || comment(id) || until < Date.now()) continue;
      place(ownItem(own.comment), own.comment.parent_id ? comment(own.comment.parent_id) : null);
    }
  }

  // Live: new comments wait behind a button; scores, edits and removals change in place ----
  let source = null;
  function stop() {
    source?.close();
    source = null;
  }

  // ids of new comments not shown yet
  let fresh = new Set();
  let liveButton = null;
  const freshLabel = () => {
    liveButton.textContent = `${plural(fresh.size, "new comment")}: show`;
    liveButton.hidden = !fresh.size;
  };

  function follow() {
    if (source || !storyId || !("EventSource" in window)) return;
    fresh = new Set();
    const bar = el("p", { className: "t-live" });
    liveButton = button("", reload, "");
    liveButton.hidden = true;
    bar.append(liveButton);
    section.querySelector("h2").after(bar);
    source = new EventSource(`${BASE}/api/v1/stories/${storyId}/events`);
    const data = (event) => {
      try {
        return JSON.parse(event.data);
      } catch {
        return {};
      }
    };
    source.addEventListener("comment", (event) => {
      const found = data(event);
      if (comment(found.id) || state.own[found.id]) return;
      fresh.add(found.id);
      freshLabel();
      say(liveButton.textContent.replace(": show", ""));
    });
    source.addEventListener("score", (event) => {
      const found = data(event);
      const score = comment(found.id)?.querySelector(":scope > .t-actions .t-score");
      if (score) score.textContent = String(found.score);
    });
    source.addEventListener("edit", (event) => {
      const found = data(event);
      const body = comment(found.id)?.querySelector(":scope > .t-body");
      // sanitized by Tribune
      if (body && typeof found.body_html === "string") body.innerHTML = found.body_html;
    });
    source.addEventListener("delete", (event) => {
      const item = comment(data(event).id);
      if (item && !item.classList.contains("t-removed")) removed(item, "This comment was removed.");
    });
    source.addEventListener("story", (event) => {
      const mode = data(event).comment_mode;
      if (mode && mode !== section.dataset.mode) reload();
    });
    window.addEventListener("pagehide", stop, { once: true });
  }

  async function reload() {
    const typed = form && form.elements.namedItem("body").value;
    const found = await fragment({ sort: section.dataset.sort });
    if (!found) return;
    stop();
    show(document.adoptNode(found));
    if (typed && form) form.elements.namedItem("body").value = typed;
    say("The newest comments are shown");
    section.querySelector("h2").setAttribute("tabindex", "-1");
    section.querySelector("h2").focus();
  }

  start();
})();
