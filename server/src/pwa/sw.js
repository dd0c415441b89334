// Ripen's service worker. The server prepends `VERSION` (changes with every build) and
// `PRECACHE` (this build's hashed CSS, JS and WASM, icons, manifest, offline page).
//
// - Install: precache this build's files in a cache named after the version; wait until the
//   page says "reload" (a new build never mixes with pages of the old one).
// - Activate: delete every other version's cache.
// - Fetch: build files cache-first (their names change with their content); page loads
//   network-first, with the offline page when the network is gone. Nothing that depends on
//   who is signed in (pages, /api) is ever stored, so no one's data reaches anyone else.
/* global VERSION, PRECACHE */
const CACHE = `ripen-${VERSION}`;
const OFFLINE = "/offline.html";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("ripen-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "SKIP_WAITING") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.mode === "navigate") {
    event.respondWith(fetch(req).catch(() => caches.match(OFFLINE, { cacheName: CACHE })));
    return;
  }
  if (PRECACHE.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname, { cacheName: CACHE }).then((hit) => hit || fetch(req)));
  }
});
