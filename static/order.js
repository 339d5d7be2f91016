// 振风 扫码兑换, the villager's side: the basket's steppers and its total against the balance (the shop's page), and
// the 核销码's countdown (the code page). The server checks everything again; without this script the number
// fields still work and the total is computed on submit.
(function () {
  "use strict";

  function setUp() {
    var form = document.getElementById("order-form");
    if (form && !form.dataset.ready) {
      form.dataset.ready = "1";
      var balance = parseInt(form.dataset.balance, 10) || 0;
      var total = document.getElementById("order-total");
      var left = document.getElementById("order-left");
      var warn = document.getElementById("order-warn");
      var submit = document.getElementById("order-submit");
      var update = function () {
        var sum = 0;
        form.querySelectorAll(".order-item").forEach(function (item) {
          var input = item.querySelector("input[type=number]");
          if (!input) { return; }
          var q = Math.max(0, Math.min(parseInt(input.value, 10) || 0, parseInt(input.max, 10) || 0));
          sum += q * (parseInt(item.dataset.price, 10) || 0);
          item.classList.toggle("picked", q > 0);
        });
        total.textContent = String(sum);
        left.textContent = "剩余 " + String(balance - sum);
        var over = sum > balance;
        warn.hidden = !over;
        submit.disabled = over || sum === 0;
      };
      form.addEventListener("click", function (e) {
        var btn = e.target.closest("[data-step]");
        if (!btn) { return; }
        var input = btn.parentNode.querySelector("input");
        var next = (parseInt(input.value, 10) || 0) + parseInt(btn.dataset.step, 10);
        input.value = String(Math.max(0, Math.min(next, parseInt(input.max, 10) || 0)));
        update();
      });
      form.addEventListener("input", update);
      update();
    }
    var countdown = document.getElementById("req-countdown");
    if (countdown && !countdown.dataset.ready) {
      countdown.dataset.ready = "1";
      var ends = Date.now() + (parseInt(countdown.dataset.ttl, 10) || 0) * 1000;
      var shown = countdown.querySelector("[data-countdown]");
      var tick = function () {
        if (!countdown.isConnected) { return; }
        var s = Math.max(0, Math.round((ends - Date.now()) / 1000));
        shown.textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
        if (s > 0) { setTimeout(tick, 1000); }
      };
      tick();
    }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", setUp); } else { setUp(); }
  document.addEventListener("htmx:load", setUp);
})();
