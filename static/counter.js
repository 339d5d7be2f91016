// 振风 收银台 (the attendant's counter). The villager's 积分码 comes from the camera (static/scanner.js, loaded
// first: window.zfScanner) or is typed; a 20-digit household card asks for its PIN. Then the basket, the total
// against the balance, and one 确认兑换 that is safe to retry: the Idempotency-Key is made with the basket and reused
// on a retry, and after an unknown outcome the server is asked what happened (by key) first. Then the receipt.
// Everything the villager can read is set with textContent (never innerHTML), and no English reaches the screen.
(function () {
  "use strict";
  if (window.zfCounter) { window.zfCounter.boot(); return; }  // loaded again by a boosted visit

  var REQUEST_TIMEOUT_MS = 20000;
  var CHECK_RETRY_MS = 3000;
  var WAIT_POLL_MS = 2000;     // while the villager is asked to confirm on their phone
  var FIXED = {
    insufficient_points: "余额不足 · 请换商品或减少数量",
    pay_code_used: "码已使用 · 请村民刷新积分码后重扫",
    pay_code_expired: "码已过期 · 请村民刷新积分码后重扫",
    price_changed: "价格有变动 · 已按新价格更新，请核对合计后再点确认兑换"
  };

  // --- talking to the JSON API with the session cookie ------------------------------------------------------

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; }
    catch (e) { return ""; }
  }

  // Resolves to {status, data, error, network}; never rejects. status 0 / network: we do not know what happened.
  function api(method, path, body, headers) {
    var h = { "Accept": "application/json" };
    if (method !== "GET") { h["Content-Type"] = "application/json"; h["X-CSRF-Token"] = csrfToken(); }
    Object.keys(headers || {}).forEach(function (k) { h[k] = headers[k]; });
    var ctrl = window.AbortController ? new AbortController() : null;
    var timer = ctrl ? setTimeout(function () { ctrl.abort(); }, REQUEST_TIMEOUT_MS) : null;
    return fetch("/api/v1" + path, {
      method: method, headers: h, body: body ? JSON.stringify(body) : undefined, credentials: "same-origin",
      cache: "no-store", signal: ctrl ? ctrl.signal : undefined
    }).then(function (r) {
      clearTimeout(timer);
      if (r.status === 401) { window.location.href = "/login"; }
      return r.json().catch(function () { return null; }).then(function (data) {
        return { status: r.status, data: data, error: (data && data.error) || null, network: false };
      });
    }, function () {
      clearTimeout(timer);
      return { status: 0, data: null, error: null, network: true };
    });
  }

  function refusal(res) {
    if (res.network) { return "网络不好 · 请检查网络后重试"; }
    var err = res.error || {};
    var msg = err.message || "";
    if (FIXED[err.code]) { return FIXED[err.code]; }
    if (err.code === "out_of_stock") { return (msg || "库存不足") + " · 请减少数量或换商品"; }
    if (err.code === "invalid_pay_code" && msg === "非本村积分码") { return "非本村积分码 · 本店只收本村村民的积分码"; }
    if (err.code === "invalid_state") { return msg + " · 请从已选商品中去掉"; }
    if (err.code === "rate_limited") { return msg || "尝试次数过多，请稍后再试"; }
    if (res.status >= 500 || !msg) { return "没有成功 · 请稍后重试"; }
    return msg;
  }

  function newKey() {
    var c = window.crypto;
    if (c && c.randomUUID) { return c.randomUUID(); }
    var bytes = new Uint8Array(16);
    if (c && c.getRandomValues) { c.getRandomValues(bytes); }
    else { for (var i = 0; i < 16; i++) { bytes[i] = Math.floor(Math.random() * 256); } }
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function groups(digits) { return digits.replace(/(\d{4})(?=\d)/g, "$1 "); }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // --- the counter ----------------------------------------------------------------------------------------------

  function Counter(root) {
    // The server's limits, from the page (never copied here): code lengths and the most of one goods per basket.
    var PAY_CODE = new RegExp("^\\d{" + Number(root.dataset.payCodeLength) + "}$");
    var CARD_CODE = new RegExp("^\\d{" + Number(root.dataset.cardLength) + "}$");
    var MAX_QTY = Number(root.dataset.maxQuantity);
    var shopId = root.dataset.shopId;
    var tz = root.dataset.timezone || "Asia/Shanghai";
    var $ = function (id) { return document.getElementById(id); };
    var steps = { scan: $("counter-scan"), pin: $("counter-pin"), sale: $("counter-sale") };
    var goodsRows = Array.prototype.slice.call(root.querySelectorAll(".goods-row"));
    var confirmBtn = $("counter-confirm");
    var basket = {};          // goods id → quantity
    var payer = null;         // {pay_code, household_name, balance, card_code?}
    var cardCode = null;      // the card waiting for its PIN
    var key = null;           // the Idempotency-Key of the basket as it stands
    var sent = null;          // the key of a redemption whose outcome we are waiting for
    var busy = false;         // a lookup or redemption is in flight (or its outcome is unknown)
    var lastRefused = null;   // a scanned value already refused: do not look it up again and again
    var checkTimer = null;
    var waitTimer = null;

    var scanner = window.zfScanner.create($("counter-video"),
                                          { jsqr: root.dataset.jsqr, onCode: scanned, onStatus: cameraStatus });

    function show(step) {
      root.dataset.state = step;
      Object.keys(steps).forEach(function (name) { steps[name].hidden = name !== step; });
      if (step === "scan") { scanner.start(); } else { scanner.stop(); }
      window.scrollTo(0, 0);
    }

    function say(id, text) { $(id).textContent = text || ""; }

    // Show that a request is on its way on the button that sent it; call the returned function when it is back.
    function working(form, text) {
      var button = form.querySelector('button[type="submit"]');
      var label = button.textContent;
      button.disabled = true;
      button.textContent = text;
      return function () { button.disabled = false; button.textContent = label; };
    }

    function cameraStatus(state) {
      var status = $("counter-camera-status");
      var texts = {
        opening: "正在打开摄像头…",
        ready: "请把积分码对准框内",
        denied: "摄像头权限被拒绝 · 请在浏览器设置里允许，或用手动输入",
        failed: "摄像头打不开 · 请用手动输入",
        unsupported: "这个浏览器不能用摄像头扫码 · 请用手动输入"
      };
      if (state === "insecure") {
        $("counter-camera").hidden = true;
        $("counter-insecure").hidden = false;
        openManual(false);
        return;
      }
      var off = state === "denied" || state === "failed" || state === "unsupported";
      status.textContent = texts[state] || "";
      $("counter-camera").hidden = off;  // no black box where no picture will come
      $("counter-camera-note").hidden = !off;
      $("counter-camera-note").textContent = off ? texts[state] : "";
      if (off) { openManual(false); }
    }

    function openManual(focus) {
      $("counter-manual").hidden = false;
      $("counter-manual-toggle").setAttribute("aria-expanded", "true");
      $("counter-manual-toggle").hidden = true;
      if (focus) { $("counter-code").focus(); }
    }

    // A value from the camera or the keyboard: a pay code is looked up, a card number asks for the PIN.
    function scanned(raw, typed) {
      var digits = raw.replace(/[\s-]/g, "");
      if (busy || root.dataset.state !== "scan") { return; }
      if (!PAY_CODE.test(digits) && !CARD_CODE.test(digits)) {
        say("counter-scan-error", typed ? "请输入 " + root.dataset.payCodeLength + " 位积分码或 " + root.dataset.cardLength + " 位卡号" : "这不是积分码 · 请村民打开振风的积分码");
        return;
      }
      if (!typed && digits === lastRefused) { return; }
      say("counter-scan-error", "");
      if (CARD_CODE.test(digits)) {
        cardCode = digits;
        $("counter-card-number").textContent = "卡号 " + groups(digits);
        say("counter-pin-error", "");
        $("counter-pin-input").value = "";
        show("pin");
        $("counter-pin-input").focus();
        return;
      }
      busy = true;  // the camera keeps running; what it sees meanwhile is ignored
      var status = $("counter-camera-status");
      var before = status.textContent;
      status.textContent = "正在识别…";
      var ready = working($("counter-manual"), "正在识别…");
      api("POST", "/shops/" + shopId + "/payer", { pay_code: digits }).then(function (res) {
        busy = false;
        ready();
        if (status.textContent === "正在识别…") { status.textContent = before; }
        if (res.status === 200) { lastRefused = null; $("counter-code").value = ""; startSale(res.data, null); return; }
        lastRefused = digits;
        say("counter-scan-error", refusal(res));
      });
    }

    function submitPin(e) {
      e.preventDefault();
      if (busy) { return; }
      var pin = $("counter-pin-input").value.trim();
      if (!/^\d{4,6}$/.test(pin)) { say("counter-pin-error", "卡密码是 4 到 6 位数字 · 请村民重新输入"); return; }
      busy = true;
      say("counter-pin-error", "");
      var ready = working($("counter-pin-form"), "正在核对…");
      api("POST", "/shops/" + shopId + "/card-unlock", { card_code: cardCode, pin: pin }).then(function (res) {
        busy = false;
        ready();
        $("counter-pin-input").value = "";
        if (res.status === 200) { say("counter-pin-error", ""); startSale(res.data, cardCode); return; }
        say("counter-pin-error", refusal(res));
        $("counter-pin-input").focus();
      });
    }

    // --- the sale ---

    function startSale(found, card) {
      var samePayer = payer && payer.household_id === found.household_id;
      payer = { pay_code: found.pay_code, household_id: found.household_id, household_name: found.household_name,
                balance: found.balance, card_code: card };
      $("counter-payer-name").textContent = found.household_name + "家";
      $("counter-payer-balance").textContent = String(found.balance);
      $("counter-balance").textContent = String(found.balance);
      if (!samePayer) { say("counter-sale-error", ""); }
      key = newKey();  // a new payer or code is a new request
      show("sale");
      render();
    }

    function row(id) { return root.querySelector('.goods-row[data-goods-id="' + id + '"]'); }

    function maxFor(r) { return Math.max(0, Math.min(MAX_QTY, Number(r.dataset.stock))); }

    function setQty(id, qty) {
      if (busy) { return; }
      var r = row(id);
      if (!r) { return; }
      qty = Math.max(0, Math.min(maxFor(r), qty));
      if (qty) { basket[id] = qty; } else { delete basket[id]; }
      key = newKey();  // the basket changed: a new request (nothing is in flight; busy is false)
      say("counter-sale-error", "");
      render();
    }

    function total() {
      return Object.keys(basket).reduce(function (sum, id) {
        return sum + Number(row(id).dataset.price) * basket[id];
      }, 0);
    }

    function render() {
      goodsRows.forEach(function (r) {
        var qty = basket[r.dataset.goodsId] || 0;
        var max = maxFor(r);
        r.querySelector(".qty").textContent = String(qty);
        r.classList.toggle("picked", qty > 0);
        r.classList.toggle("sold-out", max === 0);
        r.querySelector('[data-delta="-1"]').disabled = busy || qty === 0;
        r.querySelector('[data-delta="1"]').disabled = busy || qty >= max;
        r.querySelector("[data-stock-label]").textContent = max === 0 && qty === 0 ? "已售罄" : "库存 " + r.dataset.stock;
      });
      var lines = $("counter-basket-lines");
      lines.textContent = "";
      Object.keys(basket).forEach(function (id) {
        var r = row(id);
        var li = el("li", "basket-line");
        li.appendChild(el("span", "basket-name", r.dataset.name + " × " + basket[id]));
        li.appendChild(el("span", "basket-points", Number(r.dataset.price) * basket[id] + " 积分"));
        lines.appendChild(li);
      });
      $("counter-basket").hidden = !Object.keys(basket).length;
      var count = Object.keys(basket).reduce(function (n, id) { return n + basket[id]; }, 0);
      $("counter-kept").hidden = !count;  // shown on the scan step when a dead code sent us back to it
      $("counter-kept").textContent = count ? "已选 " + count + " 件商品，扫新码后继续" : "";
      var sum = total();
      var over = payer && sum > payer.balance;
      $("counter-total").textContent = String(sum);
      $("counter-totals").classList.toggle("over", !!over);
      if (over) { say("counter-sale-error", FIXED.insufficient_points); }
      else if ($("counter-sale-error").textContent === FIXED.insufficient_points) { say("counter-sale-error", ""); }
      confirmBtn.disabled = busy || !payer || sum === 0 || over;
      confirmBtn.textContent = busy ? "正在兑换…" : "确认兑换";
      root.classList.toggle("is-busy", busy);
    }

    function confirm() {
      if (busy || !payer || confirmBtn.disabled) { return; }
      var items = Object.keys(basket).sort().map(function (id) { return { goods_id: Number(id), quantity: basket[id] }; });
      busy = true;
      sent = key;  // retries of this very basket reuse it
      render();
      api("POST", "/shops/" + shopId + "/redemptions", { pay_code: payer.pay_code, items: items, expected_total: total() },
          { "Idempotency-Key": sent }).then(function (res) {
        if (res.status === 202) { waitForVillager(res.data); return; }
        if (res.status === 201 || res.status === 200) { done(res.data); return; }
        var code = res.error && res.error.code;
        if (res.network || res.status >= 500 || code === "conflict" || !res.status) { checkOutcome(); return; }
        busy = false;  // a clear refusal: nothing happened
        sent = null;
        if (code === "idempotency_conflict") { key = newKey(); render(); say("counter-sale-error", "请再点一次确认兑换"); return; }
        if (code === "pay_code_expired" || code === "pay_code_used") { needFreshCode(refusal(res)); return; }
        if (code === "out_of_stock" || code === "invalid_state" || code === "validation_error" ||
            code === "price_changed") { reloadGoods(); key = newKey(); }
        render();
        say("counter-sale-error", refusal(res));
      });
    }

    // Above the village's amount the villager confirms on their own phone: wait (the screen says so, with the
    // seconds left), asking the server every couple of seconds, then finish, or say what happened.
    function waitForVillager(question) {
      var box = $("counter-waiting");
      box.hidden = false;
      steps.sale.hidden = true;  // the waiting screen covers it: out of sight, out of the way of screen readers
      box.dataset.confirmationId = String(question.id);
      box.querySelector('[data-field="total"]').textContent = String(question.total_points);
      var endsAt = Date.now() + Math.max(0, new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(question.expires_at)
        ? question.expires_at : question.expires_at + "Z") - new Date());
      say("counter-waiting-note", "");
      clearInterval(waitTimer);
      waitTimer = setInterval(function () {
        var left = Math.max(0, Math.ceil((endsAt - Date.now()) / 1000));
        box.querySelector('[data-field="left"]').textContent = String(left);
      }, 250);
      pollQuestion(question.id);
    }

    function pollQuestion(id) {
      clearTimeout(checkTimer);
      api("GET", "/shops/" + shopId + "/confirmations/" + id).then(function (res) {
        if ($("counter-waiting").dataset.confirmationId !== String(id) || $("counter-waiting").hidden) { return; }
        if (res.status === 200 && res.data.status !== "pending") { questionEnded(res.data); return; }
        say("counter-waiting-note", res.status === 200 ? "" : "网络不好，正在重试…");
        checkTimer = setTimeout(function () { if (root.isConnected) { pollQuestion(id); } }, WAIT_POLL_MS);
      });
    }

    function questionEnded(question) {
      clearInterval(waitTimer);
      clearTimeout(checkTimer);
      $("counter-waiting").hidden = true;
      steps.sale.hidden = root.dataset.state !== "sale";
      if (question.status === "confirmed" && question.redemption) { done(question.redemption); return; }
      busy = false;
      sent = null;
      key = newKey();  // the key of that request is spent: another try is a new request
      var err = question.error || {};
      var texts = { refused: "村民拒绝了这笔兑换 · 积分没有变动",
                    expired: "村民没有在 90 秒内确认 · 这笔兑换没有完成，可以再点确认兑换",
                    cancelled: "已取消等待 · 这笔兑换没有完成" };
      if (question.status === "failed" && (err.code === "pay_code_expired" || err.code === "pay_code_used")) {
        render(); needFreshCode(FIXED[err.code]); return;
      }
      if (question.status === "failed" && (err.code === "price_changed" || err.code === "out_of_stock")) { reloadGoods(); }
      render();
      say("counter-sale-error", texts[question.status] || FIXED[err.code] || err.message || "没有成功 · 请稍后重试");
    }

    function cancelWaiting() {
      var id = $("counter-waiting").dataset.confirmationId;
      say("counter-waiting-note", "正在取消…");
      api("POST", "/shops/" + shopId + "/confirmations/" + id + "/cancel").then(function (res) {
        if (res.status === 200 && res.data.status !== "pending") { questionEnded(res.data); return; }
        say("counter-waiting-note", "网络不好 · 请再点一次取消");
      });
    }

    // The code died before the basket was confirmed: keep the basket, get a fresh code from the same villager.
    function needFreshCode(message) {
      if (payer.card_code) {
        cardCode = payer.card_code;
        $("counter-card-number").textContent = "卡号 " + groups(cardCode);
        show("pin");
        say("counter-pin-error", "码已过期 · 请村民重新输入卡密码");
        return;
      }
      lastRefused = payer.pay_code;
      show("scan");
      say("counter-scan-error", message);
    }

    // Unknown outcome (network gone, timeout, server error): ask the server what became of the key before
    // anything else may happen at this counter.
    function checkOutcome() {
      clearTimeout(checkTimer);
      $("counter-checking").hidden = false;
      $("counter-checking-text").textContent = "网络不好，正在确认刚才的兑换是否完成…";
      api("GET", "/shops/" + shopId + "/redemptions/by-key/" + encodeURIComponent(sent)).then(function (res) {
        if (res.status === 200) { $("counter-checking").hidden = true; done(res.data); return; }
        if (res.status === 202) { $("counter-checking").hidden = true; waitForVillager(res.data); return; }
        if (res.status === 404) {  // it did not happen: the same basket may be confirmed again, with the same key
          $("counter-checking").hidden = true;
          busy = false;
          render();
          say("counter-sale-error", "刚才的兑换没有完成 · 可以再点确认兑换");
          return;
        }
        $("counter-checking-text").textContent = "还不知道刚才的兑换是否完成 · 正在重试…";
        checkTimer = setTimeout(function () { if (root.isConnected) { checkOutcome(); } }, CHECK_RETRY_MS);
      });
    }

    function done(receipt) {
      busy = false;
      sent = null;
      var box = $("counter-receipt");
      box.querySelector('[data-field="household"]').textContent = (payer ? payer.household_name : "") + "家";
      box.querySelector('[data-field="total"]').textContent = "−" + receipt.total_points;
      box.querySelector('[data-field="balance"]').textContent = String(receipt.balance_after);
      box.querySelector('[data-field="time"]').textContent = localTime(receipt.created_at);
      var list = box.querySelector('[data-field="items"]');
      list.textContent = "";
      receipt.items.forEach(function (item) {
        var li = el("li");
        li.appendChild(el("span", "receipt-name", item.name + " × " + item.quantity));
        li.appendChild(el("span", "nowrap", item.points + " 积分"));
        list.appendChild(li);
        var r = row(item.goods_id);
        if (r) { r.dataset.stock = String(Math.max(0, Number(r.dataset.stock) - item.quantity)); }
      });
      box.hidden = false;
      basket = {};
      payer = null;
      key = null;
      render();
      document.body.dispatchEvent(new CustomEvent("counter:redeemed"));  // the day's total (#counter-today) reloads
      box.querySelector('[data-action="next"]').focus();
    }

    function localTime(iso) {  // 11-29 16:35:05 in the village's time zone, as the villager's receipt shows it
      var when = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : iso + "Z");
      var parts = {};
      try {
        new Intl.DateTimeFormat("zh-CN", { timeZone: tz, hourCycle: "h23", month: "2-digit", day: "2-digit",
                                           hour: "2-digit", minute: "2-digit", second: "2-digit" })
          .formatToParts(when).forEach(function (p) { parts[p.type] = p.value; });
        return parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute + ":" + parts.second;
      } catch (e) { return when.toLocaleString("zh-CN", { hour12: false }); }
    }

    function next() {
      $("counter-receipt").hidden = true;
      restart();
      reloadGoods();
    }

    function restart() {
      if (busy) { return; }
      payer = null;
      cardCode = null;
      key = null;
      lastRefused = null;
      basket = {};
      say("counter-scan-error", "");
      say("counter-sale-error", "");
      render();
      show("scan");
    }

    function allGoods(cursor, found) {  // every page of the shop's goods (lists come 100 at a time at most)
      var path = "/shops/" + shopId + "/goods?limit=100" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
      return api("GET", path).then(function (res) {
        if (res.status !== 200) { return null; }
        found = found.concat(res.data.items);
        return res.data.next_cursor ? allGoods(res.data.next_cursor, found) : found;
      });
    }

    function reloadGoods() {  // fresh stock after a sale or a refusal about stock
      allGoods(null, []).then(function (items) {
        if (!items) { return; }
        var byId = {};
        items.forEach(function (g) { byId[g.id] = g; });
        goodsRows.forEach(function (r) {
          var g = byId[r.dataset.goodsId];
          r.dataset.stock = String(g ? g.stock : 0);
          var id = r.dataset.goodsId;
          if (g && String(g.points_price) !== r.dataset.price) {  // a new price: shown, and a new request
            r.dataset.price = String(g.points_price);
            r.querySelector(".goods-price").textContent = g.points_price + " 积分";
            if (basket[id] && !busy) { key = newKey(); }
          }
          if (basket[id] && basket[id] > maxFor(r) && !busy) {  // less left than chosen: a new basket, a new key
            if (maxFor(r)) { basket[id] = maxFor(r); } else { delete basket[id]; }
            key = newKey();
          }
        });
        render();
      });
    }

    function search() {
      var q = $("counter-search").value.trim().toLowerCase();
      var shown = 0;
      goodsRows.forEach(function (r) {
        var hit = !q || r.dataset.name.toLowerCase().indexOf(q) >= 0;
        r.hidden = !hit;
        if (hit) { shown += 1; }
      });
      if ($("counter-no-match")) { $("counter-no-match").hidden = shown > 0; }
    }

    // --- wiring ---

    root.addEventListener("click", function (e) {
      var step = e.target.closest(".step");
      if (step) {
        var id = step.closest(".goods-row").dataset.goodsId;
        setQty(id, (basket[id] || 0) + Number(step.dataset.delta));
        return;
      }
      var action = e.target.closest("[data-action]");
      if (!action) { return; }
      if (action.dataset.action === "restart") { restart(); }
      if (action.dataset.action === "next") { next(); }
      if (action.dataset.action === "check" && sent) { checkOutcome(); }
      if (action.dataset.action === "cancel-wait") { cancelWaiting(); }
    });
    $("counter-manual-toggle").addEventListener("click", function () { openManual(true); });
    $("counter-manual").addEventListener("submit", function (e) {
      e.preventDefault();
      scanned($("counter-code").value, true);
    });
    $("counter-pin-form").addEventListener("submit", submitPin);
    $("counter-search").addEventListener("input", search);
    confirmBtn.addEventListener("click", confirm);
    window.addEventListener("beforeunload", function (e) {  // an unknown outcome must be settled first
      if (sent && root.isConnected) { e.preventDefault(); e.returnValue = ""; }
    });
    document.addEventListener("visibilitychange", function () {
      if (!root.isConnected) { return; }
      if (document.visibilityState === "hidden") { scanner.stop(); }
      else if (root.dataset.state === "scan" && !busy) { scanner.start(); }
    });

    render();
    show("scan");
  }

  function boot() {
    var root = document.getElementById("counter");
    if (!root || root.dataset.ready) { return; }
    root.dataset.ready = "1";
    Counter(root);
  }

  document.addEventListener("htmx:load", boot);
  window.zfCounter = { boot: boot };
  boot();
})();
