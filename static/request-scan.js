// 振风 扫码兑换 scanning, through the same scanner as the 收银台 (scanner.js, loaded first):
// - data-mode="poster" (首页 → 扫一扫): a shop poster's QR holds /s/{id} on this site; open it.
// - data-mode="counter" (核销兑换单): a 核销码 is put in the code field and looked up.
(function () {
  "use strict";

  function setUp() {
    var root = document.getElementById("req-scan");
    if (!root || root.dataset.ready || !window.zfScanner) { return; }
    root.dataset.ready = "1";
    var video = document.getElementById("req-video");
    var status = document.getElementById("req-camera-status");
    var error = document.getElementById("req-scan-error");
    var words = { opening: "正在打开摄像头…", ready: "请对准二维码", denied: "没有摄像头权限，请在浏览器设置里允许",
                  failed: "摄像头打不开", unsupported: "这个浏览器不能扫码", insecure: "摄像头只能在 https 网址下打开" };
    var last = "";
    var scanner = window.zfScanner.create(video, {
      jsqr: root.dataset.jsqr,
      onStatus: function (state) { status.textContent = words[state] || ""; },
      onCode: function (text) {
        if (text === last) { return; }
        last = text;
        setTimeout(function () { if (last === text) { last = ""; } }, 3000);  // the same code may be read again
        if (root.dataset.mode === "counter") {
          var digits = text.replace(/\s/g, "");
          if (!/^[0-9]{12,24}$/.test(digits)) { return; }
          var input = document.getElementById("req-code");
          input.value = digits;
          document.getElementById("req-code-form").requestSubmit();
          return;
        }
        var url;
        try { url = new URL(text, window.location.href); } catch (e) { url = null; }
        if (url && /^\/s\/[0-9]{1,10}$/.test(url.pathname)) {
          scanner.stop();
          window.location.assign(url.pathname);
        } else if (error) {
          error.textContent = "这不是振风超市的二维码";
        }
      }
    });
    scanner.start();
    if (root.dataset.mode === "counter" && !window.zfRequestCodeClears) {
      window.zfRequestCodeClears = true;  // once per document, however often the page is boosted back
      document.body.addEventListener("htmx:afterSwap", function () {
        if (document.querySelector("#req-basket [data-testid=req-done], #req-basket [data-testid=req-refused]")) {
          var input = document.getElementById("req-code");
          if (input) { input.value = ""; }
        }
      });
    }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", setUp); } else { setUp(); }
  document.addEventListener("htmx:load", setUp);
})();
