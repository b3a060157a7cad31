// Staff pages: work the moderation queue from the keyboard, and act without reloading.
// Every action is also a plain form button, so the queue works without this file.

// A part of a page that changes on the server (an import's progress) is fetched again every
// data-refresh milliseconds until the new copy no longer asks for it.
(function () {
  "use strict";
  function refresh(part) {
    setTimeout(function () {
      fetch(location.href, { credentials: "same-origin" }).then(function (answer) {
        return answer.ok ? answer.text() : Promise.reject(answer.status);
      }).then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(part.id);
        if (!fresh) return;
        part.replaceWith(fresh);
        if (fresh.hasAttribute("data-refresh")) refresh(fresh);
      }).catch(function () { refresh(part); });
    }, Number(part.getAttribute("data-refresh")) || 2000);
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-refresh][id]"), refresh);
})();

(function () {
  "use strict";
  var queue = document.getElementById("queue");
  if (!queue) return;
  var items = function () { return Array.prototype.slice.call(queue.querySelectorAll(".item:not(.gone)")); };
  var current = null;
  var UNDO_SECONDS = 10;
  var DONE = { approve: "approved", reject: "rejected", ban: "rejected, and its author's address banned",
    feature: "featured", unfeature: "no longer featured", undo: "put back as it was" };

  function focusItem(item) {
    if (!item) return;
    if (current) current.classList.remove("current");
    current = item;
    item.classList.add("current");
    item.focus({ preventScroll: true });
    item.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var list = items();
    if (!list.length) return;
    var at = list.indexOf(current);
    focusItem(list[Math.min(list.length - 1, Math.max(0, at < 0 ? 0 : at + step))]);
  }

  function csrf() {
    var field = queue.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }

  // The visible confirmation of the last action, with its undo (gone after a few seconds,
  // or at the next action).
  var area = document.getElementById("toast-area");
  var toast = document.createElement("div");
  toast.className = "notice toast";
  toast.setAttribute("role", "status");
  toast.hidden = true;
  var words = document.createElement("p");
  var undoButton = document.createElement("button");
  undoButton.type = "button";
  undoButton.className = "secondary";
  undoButton.textContent = "Undo";
  toast.appendChild(words);
  toast.appendChild(undoButton);
  area.appendChild(toast);
  var undoable = null;
  var timer = null;

  function say(text, undo, failed) {
    if (timer) clearTimeout(timer);
    Array.prototype.forEach.call(area.querySelectorAll(".notice"), function (old) {
      if (old !== toast) old.remove();  // the page's notice of an earlier action
    });
    words.textContent = text;
    toast.classList.toggle("failed", !!failed);
    undoable = undo || null;
    undoButton.hidden = !undoable;
    toast.hidden = false;
    if (undoable) {
      timer = setTimeout(function () { undoable = null; undoButton.hidden = true; }, UNDO_SECONDS * 1000);
    }
  }

  function label(item) {
    const author = item.querySelector("dl.author dd bdi"); // the name as the card shows it
    return "Comment #" + item.dataset.number + " by " + (author ? author.textContent : "Anonymous");
  }

  function send(body) {
    return fetch(queue.dataset.api, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    });
  }

  function problem(data) {
    var errors = data.errors ? Object.keys(data.errors).map(function (k) { return data.errors[k]; }) : [];
    return errors.length ? errors.join(". ") : (data.detail || "The action failed");
  }

  function show(item, done) {
    var badge = item.querySelector(".badge.state");
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge state";
      var box = item.querySelector(".item-head input");
      box.parentNode.insertBefore(badge, box.nextSibling);
    }
    badge.textContent = done.status;
    item.className = item.className.replace(/status-\w+/, "status-" + done.status);
    item.classList.toggle("featured", !!done.featured);
  }

  function count(step) {
    var badge = document.querySelector('.tabs a[aria-current="page"] .count');
    if (!badge) return;
    var left = Number(badge.textContent) + step;
    if (left > 0) badge.textContent = left; else badge.remove();
  }

  function act(item, action, extra) {
    if (!item || item.classList.contains("busy")) return;
    if (!item.querySelector('[data-action="' + action + '"]')) {
      say(label(item) + ": that action is not offered here.", null, true);
      return;
    }
    if (action === "ban" && !extra) { confirmBan(item); return; }
    var body = { ids: [Number(item.dataset.id)], action: action };
    if (extra) { body.ban_days = extra.days; body.reason = extra.reason; }
    item.classList.add("busy");
    send(body).then(function (result) {
      item.classList.remove("busy");
      if (!result.ok) { say(label(item) + ": " + problem(result.data), null, true); return; }
      var done = result.data.done[0];
      show(item, done);
      var tab = queue.dataset.tab;
      var leaves = (tab === "pending" || tab === "reported") ? action !== "feature" && action !== "unfeature"
        : (tab === "approved" || tab === "rejected") && done.status !== tab;
      var next = null;
      if (leaves) {
        var list = items();
        next = list[list.indexOf(item) + 1] || list[list.indexOf(item) - 1];
        item.classList.add("done", "gone");
        item.hidden = true;
        count(-1);
      }
      say(label(item) + " " + DONE[action] + ".", { item: item, left: leaves });
      if (next) focusItem(next);
    }).catch(function () {
      item.classList.remove("busy");
      say("The server could not be reached; nothing was changed.", null, true);
    });
  }

  function undo() {
    if (!undoable) return;
    var last = undoable;
    undoable = null;
    undoButton.hidden = true;
    send({ ids: [Number(last.item.dataset.id)], action: "undo" }).then(function (result) {
      if (!result.ok) { say(label(last.item) + ": " + problem(result.data), null, true); return; }
      show(last.item, result.data.done[0]);
      if (last.left) {
        last.item.classList.remove("done", "gone");
        last.item.hidden = false;
        count(1);
      }
      focusItem(last.item);
      say(label(last.item) + " " + DONE.undo + ".");
    }).catch(function () {
      say("The server could not be reached; nothing was undone.", null, true);
    });
  }
  undoButton.addEventListener("click", undo);

  // "Ban author" asks first, saying who else posts from that address.
  var dialog = null;
  function confirmBan(item) {
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.className = "confirm";
      dialog.innerHTML = '<form method="dialog"><h2 id="ban-title">Ban this author?</h2>' +
        '<p class="who"></p><p class="shared"></p>' +
        '<div class="field"><label for="ban-days">Ban for</label><select id="ban-days"></select></div>' +
        '<div class="field"><label for="ban-reason">Reason (kept in the audit log, shown to the banned)</label>' +
        '<input id="ban-reason" maxlength="1000"></div>' +
        '<div class="actions"><button value="ban" class="danger-solid">Reject and ban</button>' +
        '<button value="cancel" class="secondary">Cancel</button></div></form>';
      dialog.setAttribute("aria-labelledby", "ban-title");
      var source = document.getElementById("q-days");
      var days = dialog.querySelector("#ban-days");
      if (source) days.innerHTML = source.innerHTML;
      days.value = queue.dataset.banDefault;
      document.body.appendChild(dialog);
    }
    var others = Number(item.dataset.commenters || 1) - 1;
    dialog.querySelector(".who").textContent = label(item) + " will be rejected, and the address it came from barred from commenting.";
    dialog.querySelector(".shared").textContent = others > 0
      ? others + " other commenter" + (others > 1 ? "s have" : " has") + " posted from this address: the ban bars them too."
      : "No one else has posted from this address.";
    dialog.querySelector("#ban-days").value = queue.dataset.banDefault;
    dialog.querySelector("#ban-reason").value = "";
    dialog.returnValue = "";
    dialog.onclose = function () {
      if (dialog.returnValue === "ban") {
        act(item, "ban", { days: Number(dialog.querySelector("#ban-days").value),
          reason: dialog.querySelector("#ban-reason").value });
      } else {
        focusItem(item);
      }
    };
    dialog.showModal();
    dialog.querySelector(".actions .secondary").focus();
  }

  queue.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) return;
    event.preventDefault();
    var item = button.closest(".item");
    focusItem(item);
    act(item, button.dataset.action);
  });

  var keys = { a: "approve", r: "reject", b: "ban", f: "feature" };
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (dialog && dialog.open) return;
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") return;
    if (event.key === "j") { move(1); event.preventDefault(); }
    else if (event.key === "k") { move(-1); event.preventDefault(); }
    else if (event.key === "u") { undo(); event.preventDefault(); }
    else if (event.key === "x" && current) {
      var box = current.querySelector("input[type=checkbox]");
      box.checked = !box.checked;
      event.preventDefault();
    } else if (keys[event.key] && current) {
      var action = keys[event.key];
      if (action === "feature" && current.classList.contains("featured")) action = "unfeature";
      act(current, action);
      event.preventDefault();
    }
  });

  focusItem(items()[0]);
})();

// The new API token's Copy button (without this file the secret is selected and copied by hand).
(function () {
  "use strict";
  var button = document.querySelector("button[data-copy]");
  if (!button || !navigator.clipboard) return;
  var field = document.getElementById(button.getAttribute("data-copy"));
  var status = button.parentNode.querySelector(".copy-status");
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(field.value).then(function () {
      if (status) status.textContent = "Copied.";
    }, function () {
      field.select();
      if (status) status.textContent = "Copying was refused: press Ctrl+C (⌘C) now.";
    });
  });
})();
