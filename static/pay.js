// 振风 积分码 page. htmx fetches a fresh code (every ~45 s, and on "pay:refresh") and polls for the receipt;
// this script counts down between refreshes and makes sure a dead code is never on screen: a few seconds before
// a code's end it is hidden ("正在刷新…") and a refresh is asked for until one arrives.
(function () {
  "use strict";
  if (window.zfPay) { window.zfPay.boot(); return; }  // loaded again by a boosted visit: just start on the new page

  var SAFETY_MS = 3000;   // hide the code this long before it dies (the attendant's request still needs to arrive)
  var RETRY_MS = 3000;    // while a refresh is overdue, ask again this often
  var timer = null;
  var current = null;     // the #pay-code element being counted down
  var wakeLock = null;

  function boot() {
    var el = document.getElementById("pay-code");
    if (!el || el === current) { return; }
    var now = Date.now();
    current = el;
    el.zfDeadAt = now + Number(el.dataset.ttl) * 1000 - SAFETY_MS;
    el.zfRefreshAt = now + Number(el.dataset.refresh) * 1000;
    el.zfKickedAt = 0;
    if (!timer) { timer = setInterval(tick, 250); }
    keepScreenOn();
    tick();
  }

  function tick() {
    var el = current;
    if (!el || !el.isConnected) {
      if (document.getElementById("pay-code")) { boot(); return; }
      stop();  // the villager left the page (or the receipt took over)
      return;
    }
    var now = Date.now();
    var left = Math.ceil((el.zfRefreshAt - now) / 1000);
    var counter = el.querySelector("[data-countdown]");
    var countdown = el.querySelector(".pay-countdown");
    var refreshing = el.querySelector(".pay-refreshing");
    if (left > 0) {
      if (counter.textContent !== String(left)) { counter.textContent = String(left); }
      return;
    }
    countdown.hidden = true;
    refreshing.hidden = false;
    if (now >= el.zfDeadAt) { el.classList.add("is-dead"); }
    // htmx's own poll normally replaces the element right at zfRefreshAt; if it has not, ask again.
    if (now - el.zfRefreshAt > 1500 && now - el.zfKickedAt > RETRY_MS && window.htmx) {
      el.zfKickedAt = now;
      window.htmx.trigger(el, "pay:refresh");
    }
  }

  function stop() {
    if (timer) { clearInterval(timer); timer = null; }
    current = null;
    if (wakeLock) { wakeLock.release().catch(function () {}); wakeLock = null; }
  }

  function keepScreenOn() {  // the code stays readable while the attendant scans (where the browser allows it)
    if (wakeLock || !navigator.wakeLock || document.visibilityState !== "visible") { return; }
    navigator.wakeLock.request("screen").then(function (lock) { wakeLock = lock; }).catch(function () {});
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && current) { wakeLock = null; keepScreenOn(); tick(); }
  });
  window.addEventListener("pageshow", function (e) {  // back from the page cache: that code may be dead
    if (e.persisted && document.getElementById("pay")) { window.location.reload(); }
  });
  document.addEventListener("htmx:load", boot);
  document.addEventListener("htmx:afterSwap", function (e) {
    var target = e.detail.target;
    if (target && target.id === "pay-receipt" && target.firstElementChild) {
      // Paid: the code on screen is spent. Stop refreshing it and show the receipt alone.
      var code = document.getElementById("pay-code");
      if (code) { code.remove(); }
      stop();
      var done = target.querySelector(".receipt-done");
      if (done) { done.focus(); }
    }
  });

  window.zfPay = { boot: boot };
  boot();
})();
