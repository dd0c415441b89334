// Ripen's service worker. The server prepends `VERSION` (changes with every build) and
// `PRECACHE` (this build's hashed CSS, JS and WASM, with every lazily loaded chunk of a
// split build, icons, manifest, offline page).
//
// - Install: precache this build's files in a cache named after the version; wait until the
//   page says "reload" (a new build never mixes with pages of the old one).
// - Activate: delete every other version's caches (their kept pages name old files).
// - Fetch: build files cache-first (their names change with their content); page loads
//   network-first. Without a network, the signed-in person's own timer and diary pages come
//   from the cache, anything else gets the offline page. /api is never stored.
// - Whose pages: the server marks each signed-in page with `Ripen-Viewer` (an opaque key per
//   account). Pages are kept only for that key; a page for another key, a page without one
//   (signed out) or a "signed out" message from the app forgets every kept page, so one
//   person's pages never reach the next person on the same device.
/* global VERSION, PRECACHE */
const CACHE = `ripen-${VERSION}`;
const PAGES = `ripen-pages-${VERSION}`;
const OFFLINE = "/offline.html";
// The pages that work offline (the timer runs here; check-ins wait in the outbox).
const KEEP = ["/timer", "/diary"];
// Where the kept pages' viewer key is filed (not a real address).
const VIEWER = "/__ripen/viewer";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("ripen-") && k !== CACHE && k !== PAGES).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  if (!event.data) return;
  if (event.data.type === "SKIP_WAITING") self.skipWaiting();
  if (event.data.type === "SIGNED_OUT") event.waitUntil(caches.delete(PAGES));
});

async function keptViewer() {
  if (!(await caches.has(PAGES))) return null;
  const hit = await (await caches.open(PAGES)).match(VIEWER);
  return hit ? hit.text() : null;
}

// Files a page load's answer: forgets other people's pages, keeps this one if it may.
async function file(req, res) {
  if (!(res.headers.get("content-type") || "").startsWith("text/html")) return;
  const viewer = res.headers.get("ripen-viewer");
  if (viewer !== (await keptViewer())) {
    await caches.delete(PAGES);
    if (!viewer) return;
    await (await caches.open(PAGES)).put(VIEWER, new Response(viewer));
  }
  const path = new URL(req.url).pathname;
  if (viewer && res.ok && KEEP.includes(path)) {
    await (await caches.open(PAGES)).put(path, res);
  }
}

async function offlinePage(req) {
  const path = new URL(req.url).pathname;
  if (KEEP.includes(path) && (await keptViewer())) {
    const kept = await (await caches.open(PAGES)).match(path);
    if (kept) return kept;
  }
  return caches.match(OFFLINE, { cacheName: CACHE });
}

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.mode === "navigate") {
    event.respondWith(
      fetch(req).then(
        (res) => {
          event.waitUntil(file(req, res.clone()));
          return res;
        },
        () => offlinePage(req),
      ),
    );
    return;
  }
  if (PRECACHE.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname, { cacheName: CACHE }).then((hit) => hit || fetch(req)));
  }
});
