// Tribune's comment counts: every element with data-tribune-count-url="…" on this page gets
// the count of that page's discussion, all in one request. The addresses are the page's own
// data: cut to length, sent as a query, and the answer shown as text only.
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || window.__tribuneCounts) return;
  window.__tribuneCounts = true;
  const base = script.src.replace(/\/count\.js([?#].*)?$/, "");
  const url = (node) => String(node.dataset.tribuneCountUrl || "").slice(0, 2000);
  const nodes = [...document.querySelectorAll("[data-tribune-count-url]")].slice(0, 100);
  if (!nodes.length) return;
  const query = nodes.map((node) => `url=${encodeURIComponent(url(node))}`).join("&");
  fetch(`${base}/embed/counts?${query}`, { credentials: "omit", cache: "no-cache" })
    .then((response) => (response.ok ? response.json() : { counts: {} }))
    .then((data) => {
      for (const node of nodes) {
        const count = Number(data.counts?.[url(node)] || 0);
        node.textContent = `${count.toLocaleString("en-US")} comment${count === 1 ? "" : "s"}`;
      }
    })
    .catch(() => {});
})();
