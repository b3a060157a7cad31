// Staff pages: work the moderation queue from the keyboard, and act without reloading.
// Every action is also a plain form button, so the queue works without this file.
(function () {
  "use strict";
  var queue = document.getElementById("queue");
  if (!queue) return;
  var items = function () { return Array.prototype.slice.call(queue.querySelectorAll(".item:not(.gone)")); };
  var current = null;

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

  function act(item, action) {
    if (!item || item.classList.contains("busy")) return;
    var button = item.querySelector('[data-action="' + action + '"]');
    if (!button) return;
    var reason = queue.querySelector("#q-reason").value;
    var days = queue.querySelector("#q-days").value.trim();
    var body = { ids: [Number(item.dataset.id)], action: action, reason: reason };
    if (days) body.ban_days = Number(days);
    item.classList.add("busy");
    fetch(queue.dataset.api, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      item.classList.remove("busy");
      if (!result.ok) { say(result.data.detail || "The action failed"); return; }
      var done = result.data.done[0];
      var badge = item.querySelector(".badge");
      badge.textContent = done.status;
      item.className = item.className.replace(/status-\w+/, "status-" + done.status);
      item.classList.toggle("featured", !!done.featured);
      say("Comment " + done.id + ": " + action);
      var tab = queue.dataset.tab;
      var leaves = (tab === "pending" || tab === "reported") ? action !== "feature" && action !== "unfeature"
        : (tab === "approved" || tab === "rejected") && done.status !== tab;
      if (leaves) {
        var list = items();
        var next = list[list.indexOf(item) + 1] || list[list.indexOf(item) - 1];
        item.classList.add("done", "gone");
        item.hidden = true;
        var count = document.querySelector('.tabs a[aria-current="page"] .count');
        if (count) {
          var left = Number(count.textContent) - 1;
          if (left > 0) count.textContent = left; else count.remove();
        }
        focusItem(next);
      }
    }).catch(function () {
      item.classList.remove("busy");
      say("The server could not be reached; nothing was changed");
    });
  }

  var live = document.createElement("p");
  live.className = "visually-hidden";
  live.setAttribute("role", "status");
  queue.parentNode.insertBefore(live, queue);
  function say(text) { live.textContent = text; }

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
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") return;
    if (event.key === "j") { move(1); event.preventDefault(); }
    else if (event.key === "k") { move(-1); event.preventDefault(); }
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
