// 振风 service worker: precache the shell; pages network-first with an offline fallback.
// Personal pages and API answers are never stored. Static files are served from the cache at once and refreshed
// in the background (stale-while-revalidate), so a new release reaches phones on the next visit; goods photos
// (/media/, immutable URLs) are kept once fetched.
const CACHE = "zf-shell-v2";
const SHELL = ["/offline", "/static/app.css", "/static/app.js", "/static/htmx-2.0.11.min.js",
  "/static/icon-192.png", "/static/icon-512.png", "/manifest.webmanifest"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (req.mode === "navigate") {
    event.respondWith(fetch(req).catch(() => caches.match("/offline")));
    return;
  }
  if (url.pathname.startsWith("/media/")) {
    event.respondWith(caches.open(CACHE).then((cache) => cache.match(req).then((hit) => hit ||
      fetch(req).then((res) => { if (res.ok) cache.put(req, res.clone()); return res; }))));
    return;
  }
  if (SHELL.includes(url.pathname) || url.pathname.startsWith("/static/")) {
    event.respondWith(caches.open(CACHE).then((cache) => cache.match(req).then((hit) => {
      const fresh = fetch(req).then((res) => { if (res.ok) cache.put(req, res.clone()); return res; });
      if (hit) { event.waitUntil(fresh.catch(() => undefined)); return hit; }
      return fresh;
    })));
  }
});
