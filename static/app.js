// 振风: tiny page helpers (CSP allows no inline script). The toast fades after a few seconds.
document.addEventListener("htmx:afterSwap", function (e) {
  if (e.detail.target && e.detail.target.id === "toast") {
    clearTimeout(window.__zfToast);
    window.__zfToast = setTimeout(function () { e.detail.target.innerHTML = ""; }, 5000);
  }
});
document.addEventListener("click", function (e) {
  var back = e.target.closest && e.target.closest("[data-back]");
  if (back && history.length > 1) { e.preventDefault(); history.back(); }
});
// The session cookie travels with every request; a network failure shows the same toast as an error.
document.addEventListener("htmx:sendError", function () {
  var t = document.getElementById("toast");
  if (t) { t.innerHTML = '<p class="toast-msg">网络不好，请稍后重试</p>'; }
});
// A real 打印 button where a page offers one (the household card sheet).
document.addEventListener("click", function (e) {
  if (e.target.closest && e.target.closest("[data-print]")) { e.preventDefault(); window.print(); }
});
if ("serviceWorker" in navigator) {
  window.addEventListener("load", function () { navigator.serviceWorker.register("/sw.js").catch(function () {}); });
}
