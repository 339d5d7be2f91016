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
// A form that is sending cannot be sent again: a second tap on 保存 over a slow network does nothing (the server
// also takes each form's key once). htmx forms unlock when the answer comes; a plain form's page is replaced.
function zfLock(elt, on) {
  var buttons = elt.tagName === "FORM" ? elt.querySelectorAll('button:not([type]), [type="submit"]') : [elt];
  Array.prototype.forEach.call(buttons, function (b) { b.disabled = on; });
  if (on) { elt.setAttribute("aria-busy", "true"); } else { elt.removeAttribute("aria-busy"); }
}
document.addEventListener("htmx:beforeRequest", function (e) {
  var elt = e.detail.elt;
  if (elt.tagName === "FORM" || elt.tagName === "BUTTON") { zfLock(elt, true); }
});
document.addEventListener("htmx:afterRequest", function (e) {
  var elt = e.detail.elt;
  if (elt.tagName === "FORM" || elt.tagName === "BUTTON") { zfLock(elt, false); }
});
document.addEventListener("submit", function (e) {  // forms htmx leaves alone (hx-boost="false")
  var form = e.target;
  if (e.defaultPrevented || (form.method || "").toLowerCase() !== "post") { return; }
  if (form.getAttribute("aria-busy")) { e.preventDefault(); return; }
  setTimeout(function () { zfLock(form, true); }, 0);  // after the browser has read the form
});
window.addEventListener("pageshow", function (e) {  // back to a page kept in memory: its forms work again
  if (!e.persisted) { return; }
  Array.prototype.forEach.call(document.querySelectorAll("form[aria-busy]"), function (f) { zfLock(f, false); });
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
