// 振风 service worker: precache the shell; pages network-first with an offline fallback.
// Personal pages and API answers are never stored. Static files are served from the cache at once and refreshed
// in the background (stale-while-revalidate), so a new release reaches phones on the next visit; goods photos
// (/media/, immutable URLs) are kept once fetched. As served (app/shell.py), the SHELL list holds the static files'
// hashed names (/static/app.<hash>.js) and VERSION a hash over every static file: a deploy that changes any of them
// changes this file, so the browser installs it afresh into a new cache and drops the old one.
// 村务公开: when a disclosure is opened (/disclosures/N), its public text alone (/disclosures/N/text: title, body,
// date — no names, no read marks, no questions, no token) is fetched into a cache of its own, and served when the
// phone is offline; the login page empties it. The disclosure page itself, like every personal page, is never stored.
const VERSION = "dev";
const CACHE = `zf-shell-${VERSION}`;
const PUBLIC_TEXT = "zf-disclosures-v1";
const DISCLOSURE = /^\/disclosures\/(\d+)(\/text)?$/;
const HASHED = /\.[0-9a-f]{12}\.[A-Za-z0-9]+$/;  // a name that carries its content's hash never changes
const SHELL = ["/offline", "/static/app.css", "/static/app.js", "/static/htmx-2.0.11.min.js", "/static/readaloud.js",
  "/static/counter.css", "/static/offline-codes.js",
  "/static/icon-192.png", "/static/icon-512.png", "/manifest.webmanifest"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE && k !== PUBLIC_TEXT).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (req.mode === "navigate" && url.pathname === "/login") {
    // Signed out (or about to sign in as someone else): the kept disclosures go, so that the next person on this
    // phone, perhaps of another village, cannot read them offline.
    event.waitUntil(caches.delete(PUBLIC_TEXT));
  }
  const disclosure = url.pathname.match(DISCLOSURE);
  if (req.mode === "navigate" && disclosure) {
    const text = `/disclosures/${disclosure[1]}/text`;
    event.respondWith(fetch(req).then((res) => {
      if (res.ok) { event.waitUntil(keepPublicText(text)); }
      return res;
    }).catch(() => caches.open(PUBLIC_TEXT).then((c) => c.match(text)).then((hit) => hit || caches.match("/offline"))));
    return;
  }
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
      if (hit && HASHED.test(url.pathname)) return hit;
      const fresh = fetch(req).then((res) => { if (res.ok) cache.put(req, res.clone()); return res; });
      if (hit) { event.waitUntil(fresh.catch(() => undefined)); return hit; }
      return fresh;
    })));
  }
});

// The public text of an opened disclosure, kept for reading offline (only a page that says it is public text).
function keepPublicText(path) {
  return fetch(path, { credentials: "same-origin" }).then((res) => {
    if (res.ok && res.headers.get("X-Public-Text") === "1") {
      return caches.open(PUBLIC_TEXT).then((c) => c.put(path, res));
    }
    return undefined;
  }).catch(() => undefined);
}

// 消息 by Web Push (issue #18; off unless the server turns it on): the push carries the message's own line and
// link, nothing more; tapping the notification opens its thing.
self.addEventListener("push", (event) => {
  let msg = {};
  try { msg = event.data ? event.data.json() : {}; } catch (e) { msg = {}; }
  const link = typeof msg.link === "string" && msg.link.startsWith("/") && !msg.link.startsWith("//") ? msg.link : "/messages";
  event.waitUntil(self.registration.showNotification(msg.title || "振风", {
    body: msg.body || "您有新消息", icon: "/static/icon-192.png", badge: "/static/icon-192.png", data: { link },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow((event.notification.data && event.notification.data.link) || "/messages"));
});
