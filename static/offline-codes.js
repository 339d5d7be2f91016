// 振风 离线码 (issue #21 item 3). While online, the pay screen keeps a few one-use offline codes in this phone's
// storage (localStorage "zf-offline-codes": each code's id, digits, cap, end and QR as the server made them); with no
// network, the pay screen — or the offline page the service worker serves for /pay — shows one, labelled 离线码. The
// counter is online and checks it as any code. Back online, the phone asks the server what became of its codes:
// the receipts of those used meanwhile are shown, dead ones are dropped, and a fresh batch is fetched when few are
// left (a new batch stops the earlier unused ones). Nothing typed is shown; every text is set as text.
(function () {
  "use strict";
  if (window.zfOffline) { return; }

  var KEY = "zf-offline-codes";
  var KEEP_AT_LEAST = 3;                  // fewer live codes than this on the phone: a fresh batch
  var RENEW_AFTER_MS = 12 * 3600 * 1000;  // a batch older than this is replaced (each lives 24 hours)
  var QR_PREFIX = "data:image/svg+xml;base64,";

  function load() {
    try {
      var v = JSON.parse(window.localStorage.getItem(KEY) || "null");
      return v && Array.isArray(v.codes) ? v : { codes: [], fetched_at: 0 };
    } catch (e) { return { codes: [], fetched_at: 0 }; }
  }

  function save(v) {
    try { window.localStorage.setItem(KEY, JSON.stringify(v)); } catch (e) { /* storage full or off: no codes */ }
  }

  function forget() {
    try { window.localStorage.removeItem(KEY); } catch (e) { /* nothing kept */ }
  }

  function live(v) {
    var now = Date.now();
    return v.codes.filter(function (c) { return Date.parse(c.expires_at) > now; });
  }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; }
    catch (e) { return ""; }
  }

  function call(method, path) {
    var ctrl = new AbortController();
    var timer = setTimeout(function () { ctrl.abort(); }, 15000);
    return fetch("/api/v1" + path, {
      method: method, credentials: "same-origin", cache: "no-store", signal: ctrl.signal,
      headers: { "X-CSRF-Token": csrfToken(), "Accept": "application/json" },
    }).then(function (r) {
      clearTimeout(timer);
      if (!r.ok) { throw new Error("status " + r.status); }
      return r.status === 204 ? null : r.json();
    }, function (e) { clearTimeout(timer); throw e; });
  }

  // Online: receipts of codes used while offline (onReceipt(receipt) for each, once), the dead dropped, and a
  // fresh batch when fewer than KEEP_AT_LEAST are left or the batch is half its life old.
  function sync(onReceipt) {
    var kept = load();
    var asked = kept.codes.length ? call("GET", "/me/offline-codes") : Promise.resolve({ items: [] });
    return asked.then(function (res) {
      var state = {};
      res.items.forEach(function (item) { state[item.id] = item; });
      kept.codes = kept.codes.filter(function (c) {
        var s = state[c.id];
        if (s && s.status === "used" && s.receipt && onReceipt) { onReceipt(s.receipt); }
        return s && s.status === "live";
      });
      save(kept);
      if (live(kept).length >= KEEP_AT_LEAST && Date.now() - (kept.fetched_at || 0) < RENEW_AFTER_MS) {
        return kept;
      }
      return call("POST", "/me/offline-codes").then(function (batch) {
        var fresh = { fetched_at: Date.now(), codes: batch.items.map(function (c) {
          return { id: c.id, code: c.code, cap: c.cap, expires_at: c.expires_at, qr: c.qr_data_uri, shown: false };
        }) };
        save(fresh);
        return fresh;
      });
    });
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function until(iso) {
    var d = new Date(iso);
    return pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  // The next code to show: the first live one not yet shown (all shown: from the first again — the counter
  // refuses one that was used). `next` marks the one on screen as shown and moves on.
  function pick(next) {
    var v = load();
    var codes = live(v);
    if (!codes.length) { return null; }
    var current = codes.filter(function (c) { return c.current; })[0];
    if (current && !next) { return current; }
    if (current) { current.shown = true; current.current = false; }
    var fresh = codes.filter(function (c) { return !c.shown; });
    if (!fresh.length) { codes.forEach(function (c) { c.shown = false; }); fresh = codes; }
    fresh[0].current = true;
    save(v);
    return fresh[0];
  }

  // The offline code inside `box` (emptied first); returns whether one is shown.
  function show(box, next) {
    box.textContent = "";
    var code = pick(next);
    var head = el("div", "pay-head");
    var title = el("h2", "pay-offline-title", "离线码");
    title.id = "pay-offline-title";
    head.appendChild(title);
    head.appendChild(el("p", "pay-offline-why", "手机没有网络 · 这是提前存好的离线码"));
    box.appendChild(head);
    if (!code) {
      box.appendChild(el("p", "pay-empty", "手机里没有可用的离线码。"));
      box.appendChild(el("p", "pay-empty", "联网时打开一次“积分码”页面，手机会自动存好几个离线码，没有信号时也能兑换。"));
      return false;
    }
    var wrap = el("div", "pay-offline-live");
    if (typeof code.qr === "string" && code.qr.indexOf(QR_PREFIX) === 0) {
      var img = el("img", "pay-qr");
      img.src = code.qr;
      img.alt = "离线码二维码";
      img.width = 260;
      img.height = 260;
      wrap.appendChild(img);
    }
    var digits = el("p", "pay-digits", String(code.code).replace(/(\d{4})(?=\d)/g, "$1 "));
    digits.setAttribute("data-testid", "offline-digits");
    wrap.appendChild(digits);
    box.appendChild(wrap);
    box.appendChild(el("p", "pay-offline-facts",
      "只能用一次 · 每次最多兑换 " + code.cap + " 积分 · " + until(code.expires_at) + " 前有效"));
    var again = el("button", "btn ghost block", "这个码用过了？换一个离线码");
    again.type = "button";
    again.addEventListener("click", function () { show(box, true); });
    box.appendChild(again);
    box.appendChild(el("p", "pay-offline-note", "收银员联网扫码即可。手机联网后，会显示兑换小票。"));
    return true;
  }

  // A receipt of a code used while offline, built from the server's JSON as text.
  function receiptCard(r) {
    var card = el("section", "card pay-offline-receipt");
    card.setAttribute("data-testid", "offline-receipt");
    card.appendChild(el("h2", "", "✓ 离线码兑换成功（已同步）"));
    card.appendChild(el("p", "receipt-shop", r.shop_name));
    card.appendChild(el("p", "receipt-total", "−" + r.total_points + " 积分"));
    var list = el("ul", "receipt-items");
    (r.items || []).forEach(function (i) { list.appendChild(el("li", "", i.name + " × " + i.quantity + " · " + i.points + " 积分")); });
    card.appendChild(list);
    card.appendChild(el("p", "muted", "兑换后余额 " + r.balance_after + " · " + until(r.created_at)));
    return card;
  }

  window.zfOffline = { sync: sync, show: show, receiptCard: receiptCard, forget: forget, load: load };

  // The offline page (served by the service worker for any page when there is no network): the code at once for
  // the pay screen's address, else behind a button.
  var page = document.getElementById("offline-pay");
  if (page) {
    var box = document.getElementById("offline-pay-code");
    var offer = document.getElementById("offline-pay-offer");
    var reveal = function () { page.hidden = false; show(box); offer.hidden = true; };
    document.getElementById("offline-pay-open").addEventListener("click", reveal);
    if (window.location.pathname === "/pay") { reveal(); } else if (!live(load()).length) { offer.hidden = true; }
  }
})();
