// 振风 积分码 page. The open screen waits on one request at a time (GET /pay/wait), which answers when something
// happens: a receipt, a question to confirm (确认兑换 N 积分？), the code refused at a counter (a fresh one), or the
// code due to be replaced (a fresh one). Every request has a timeout; a failed one is retried with growing waits
// and the screen says 网络不好，点此重试 with a button; the network coming back (`online`) or the screen being looked
// at again (`visibilitychange`) retries at once. A dead code is never on screen: a few seconds before its end it is
// hidden until a fresh one arrives. Server HTML (autoescaped templates) is swapped in; nothing typed is.
(function () {
  "use strict";
  if (window.zfPay) { window.zfPay.boot(); return; }  // loaded again by a boosted visit: just start on the new page

  var SAFETY_MS = 3000;        // hide the code this long before it dies (the attendant's request still needs to arrive)
  var WAIT_SLACK_MS = 8000;    // a wait may take this much longer than asked before it counts as lost
  var ANSWER_TIMEOUT_MS = 15000;
  var MAX_BACKOFF_MS = 30000;
  var MOST_WAIT_S = 50;        // the server's longest wait
  var s = null;                // the screen being served: {root, code, afterId, seen, ...}
  var wakeLock = null;

  function boot() {
    var root = document.getElementById("pay");
    if (!root || root.dataset.afterId === undefined) { return; }
    if (s && s.root === root) { return; }
    if (s) { stop(); }
    s = { root: root, afterId: root.dataset.afterId, seen: root.dataset.seen || "0", failures: 0, ctrl: null,
          retryTimer: null, ticker: null, done: false, code: null, question: null };
    adopt(document.getElementById("pay-code"));
    s.ticker = setInterval(tick, 250);
    document.getElementById("pay-retry").addEventListener("click", function () { retryNow(); });
    keepScreenOn();
    wait();
    if (navigator.onLine !== false) { syncOffline(); }
  }

  function $(id) { return document.getElementById(id); }

  function fragment(html) {
    var t = document.createElement("template");
    t.innerHTML = html;
    return t.content.firstElementChild;
  }

  // --- the code on screen --------------------------------------------------------------------------------------

  function adopt(el) {
    var now = Date.now();
    el.zfDeadAt = now + Number(el.dataset.ttl) * 1000 - SAFETY_MS;
    el.zfRefreshAt = now + Number(el.dataset.refresh) * 1000;
    s.code = el;
    tick();
  }

  function tick() {
    if (!s) { return; }
    if (!s.root.isConnected) { stop(); return; }  // the villager left the page
    var el = s.code;
    var now = Date.now();
    if (el && el.isConnected) {
      var left = Math.ceil((el.zfRefreshAt - now) / 1000);
      var counter = el.querySelector("[data-countdown]");
      el.querySelector(".pay-countdown").hidden = left <= 0;
      el.querySelector(".pay-refreshing").hidden = left > 0;
      if (left > 0 && counter.textContent !== String(left)) { counter.textContent = String(left); }
      if (now >= el.zfDeadAt) {
        el.classList.add("is-dead");
        // A wait sent for later (the phone slept, a timer ran late): ask for a fresh code now instead.
        if (s.ctrl && !s.ctrl.zfNow && !s.done) { retryNow(); }
      }
    }
    if (s.question) { questionTick(now); }
  }

  // --- talking to the server -----------------------------------------------------------------------------------

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; }
    catch (e) { return ""; }
  }

  // Resolves to {status, event, text}; rejects on a network failure or when `ms` pass (the body included).
  function request(url, options, ms) {
    var ctrl = new AbortController();
    var timer = setTimeout(function () { ctrl.abort(); }, ms);
    options.signal = ctrl.signal;
    options.credentials = "same-origin";
    options.cache = "no-store";
    return { ctrl: ctrl, done: fetch(url, options).then(function (r) {
      return r.text().then(function (text) {
        clearTimeout(timer);
        return { status: r.status, event: r.headers.get("X-Pay-Event"), text: text };
      });
    }).catch(function (e) { clearTimeout(timer); throw e; }) };
  }

  function wait() {
    var mine = s;
    if (!mine || mine.done || mine.ctrl) { return; }
    clearTimeout(mine.retryTimer);
    var code = mine.code;
    var until = Math.max(0, Math.min(MOST_WAIT_S, Math.ceil((code.zfRefreshAt - Date.now()) / 1000)));
    if (code.classList.contains("is-dead")) { until = 0; }
    var url = "/pay/wait?after_id=" + encodeURIComponent(mine.afterId) + "&code_id=" +
      encodeURIComponent(code.dataset.codeId) + "&seen=" + encodeURIComponent(mine.seen) + "&until=" + until;
    var call = request(url, { method: "GET" }, until * 1000 + WAIT_SLACK_MS);
    mine.ctrl = call.ctrl;
    mine.ctrl.zfNow = until === 0;
    call.done.then(function (res) {
      if (mine !== s) { return; }
      mine.ctrl = null;
      if (res.status === 401) { window.location.href = "/login"; return; }
      if (res.status === 200 && res.event) { recovered(); handle(res); wait(); return; }
      if (res.status === 204) { recovered(); wait(); return; }
      failed();
    }, function () {
      if (mine !== s) { return; }
      var restart = mine.ctrl && mine.ctrl.zfRestart;
      mine.ctrl = null;
      if (restart) { wait(); } else { failed(); }
    });
  }

  function handle(res) {
    if (res.event === "code") {
      var fresh = fragment(res.text);
      if (s.code && s.code.isConnected) { s.code.replaceWith(fresh); }
      adopt(fresh);
    } else if (res.event === "receipt") {
      paid(res.text);
    } else if (res.event === "confirm") {
      ask(res.text);
    }
  }

  function recovered() {
    s.failures = 0;
    $("pay-trouble").hidden = true;
    if (hideOffline()) { syncOffline(); }
  }

  // --- 离线码 (static/offline-codes.js): shown while there is no network, synced when it is back ----------------

  function showOffline() {
    var box = $("pay-offline");
    if (!box || !window.zfOffline || !box.hidden) { return; }
    window.zfOffline.show(box);
    box.hidden = false;
    if (s.code) { s.code.hidden = true; }
  }

  function hideOffline() {
    var box = $("pay-offline");
    if (!box || box.hidden) { return false; }
    box.hidden = true;
    box.textContent = "";
    if (s.code) { s.code.hidden = false; }
    return true;
  }

  function syncOffline() {
    if (!window.zfOffline) { return; }
    window.zfOffline.sync(function (r) {
      var list = $("pay-offline-receipts");
      if (list) { list.appendChild(window.zfOffline.receiptCard(r)); }
    }).catch(function () { /* tried again when the screen next comes online */ });
  }

  function failed() {
    s.failures += 1;
    $("pay-trouble").hidden = false;
    $("pay-trouble-text").textContent = navigator.onLine === false
      ? "手机没有连上网络 · 连上后积分码会自动刷新"
      : "积分码暂时刷新不了 · 正在自动重试";
    if (navigator.onLine === false) { showOffline(); }
    var delay = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, s.failures - 1)) * (0.8 + Math.random() * 0.4);
    s.retryTimer = setTimeout(wait, delay);
  }

  // Now, not after the back-off: the button, the network back, the screen looked at again. A request hanging on
  // a dead connection is dropped and sent again.
  function retryNow() {
    if (!s || s.done) { return; }
    clearTimeout(s.retryTimer);
    if (s.ctrl) { s.ctrl.zfRestart = true; s.ctrl.abort(); return; }  // its failure handler sends the next one
    wait();
  }

  // --- paid, or asked to confirm ---------------------------------------------------------------------------

  function paid(html) {
    var box = $("pay-receipt");
    box.textContent = "";
    box.appendChild(fragment(html));
    closeQuestion();
    if (s.code) { s.code.remove(); }  // spent: the receipt alone
    stop(true);
    var done = box.querySelector(".receipt-done");
    if (done) { done.focus(); }
  }

  function ask(html) {
    var node = fragment(html);
    var box = $("pay-question");
    box.textContent = "";
    box.appendChild(node);
    s.seen = node.dataset.confirmationId;
    s.question = { node: node, endsAt: Date.now() + Number(node.dataset.secondsLeft) * 1000, busy: false };
    node.addEventListener("click", function (e) {
      var button = e.target.closest("[data-decision]");
      if (button) { decide(button.dataset.decision); }
    });
    var first = node.querySelector('[data-decision="confirm"]');
    if (first) { first.focus(); }
  }

  function questionTick(now) {
    var q = s.question;
    var left = Math.ceil((q.endsAt - now) / 1000);
    var label = q.node.querySelector("[data-confirm-left]");
    if (left > 0) { if (label.textContent !== String(left)) { label.textContent = String(left); } return; }
    if (!q.busy) { closeQuestion(); answered("已超时，这笔兑换没有完成。需要的话请让收银员重新扫码", false); }
  }

  function closeQuestion() {
    if (s.question) { s.question.node.remove(); s.question = null; }
  }

  function answered(message, ok) {
    var box = $("pay-answered");
    box.textContent = "";
    var p = document.createElement("p");
    p.className = "pay-answered" + (ok ? "" : " is-error");
    p.textContent = message;
    box.appendChild(p);
  }

  function decide(decision) {
    var q = s.question;
    if (!q || q.busy) { return; }
    q.busy = true;
    var buttons = q.node.querySelectorAll("[data-decision]");
    var error = q.node.querySelector("[data-confirm-error]");
    buttons.forEach(function (b) { b.disabled = true; });
    error.textContent = decision === "confirm" ? "正在确认…" : "正在拒绝…";
    var mine = s;
    // 确认 carries the total this screen showed: another total on the server is refused and asked again (409).
    var body = new URLSearchParams({ decision: decision, total_points: q.node.dataset.total, csrf_token: csrfToken() });
    var call = request("/pay/confirmations/" + encodeURIComponent(q.node.dataset.confirmationId),
                       { method: "POST", body: body, headers: { "X-CSRF-Token": csrfToken() } }, ANSWER_TIMEOUT_MS);
    call.done.then(function (res) {
      if (mine !== s) { return; }
      if (res.status === 401) { window.location.href = "/login"; return; }
      if (res.event === "receipt") { paid(res.text); return; }
      if (res.event === "confirm") { ask(res.text); return; }  // the total changed: the question as it is now
      if (res.event === "ended") {
        closeQuestion();
        var node = fragment(res.text);
        answered(node ? node.textContent.trim() : "", node && !node.classList.contains("is-error"));
        return;
      }
      retryable(q, buttons, error);
    }, function () {
      if (mine === s) { retryable(q, buttons, error); }
    });
  }

  // The answer may or may not have arrived: asking again is safe (a second 确认 gives the same receipt).
  function retryable(q, buttons, error) {
    q.busy = false;
    buttons.forEach(function (b) { b.disabled = false; });
    error.textContent = "网络不好，点此重试 · 请再点一次确认或拒绝";
  }

  // --- the screen itself ---------------------------------------------------------------------------------------

  function stop(keep) {
    if (!s) { return; }
    clearInterval(s.ticker);
    clearTimeout(s.retryTimer);
    if (s.ctrl) { s.ctrl.abort(); }
    s.done = true;
    if (!keep) { s = null; }
    if (wakeLock) { wakeLock.release().catch(function () {}); wakeLock = null; }
  }

  function keepScreenOn() {  // the code stays readable while the attendant scans (where the browser allows it)
    if (wakeLock || !navigator.wakeLock || document.visibilityState !== "visible") { return; }
    navigator.wakeLock.request("screen").then(function (lock) { wakeLock = lock; }).catch(function () {});
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && s && !s.done) { wakeLock = null; keepScreenOn(); tick(); retryNow(); }
  });
  window.addEventListener("online", function () { retryNow(); });
  window.addEventListener("offline", function () { if (s && !s.done) { failedNow(); } });
  window.addEventListener("pageshow", function (e) {  // back from the page cache: that code may be dead
    if (e.persisted && document.getElementById("pay")) { window.location.reload(); }
  });
  document.addEventListener("htmx:load", boot);

  function failedNow() {  // offline: say so at once rather than when the hanging wait gives up
    $("pay-trouble").hidden = false;
    $("pay-trouble-text").textContent = "手机没有连上网络 · 连上后积分码会自动刷新";
    showOffline();
  }

  window.zfPay = { boot: boot };
  boot();
})();
