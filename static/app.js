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
// Links open as pages of their own, not boosted: a page's static files are kept a year under hashed names, so a
// link costs only its HTML, and going back is instant — the browser's back/forward cache keeps the page (a page
// holding a code or secret is sent no-store and is not kept). A boosted link would share one document with the page
// it left, and htmx (its own history cache off: personal pages must not sit in sessionStorage) could only answer
// the back button by reloading. Forms stay boosted; an element's own hx-get is untouched.
document.addEventListener("htmx:confirm", function (e) {
  var elt = e.detail.elt;
  if (elt.tagName !== "A" || e.detail.verb !== "get" || elt.hasAttribute("hx-get") || elt.hasAttribute("data-hx-get")) {
    return;
  }
  e.preventDefault();
  window.location.assign(elt.href);
});
// A page the back/forward cache kept shows what it showed when it was left. It is loaded afresh when, since it was
// shown, this tab sent something (a form, a button) or opened a live screen (积分码, 核销码, 收银台: their pages say so
// in a meta tag and are never kept themselves), or after three minutes: a balance must not look unchanged after paying.
function zfMarkChanged() {
  try { sessionStorage.setItem("zf-changed", String(Date.now())); } catch (err) { /* storage off: time decides */ }
}
if (document.querySelector('meta[name="zf-live"]')) { zfMarkChanged(); }
document.addEventListener("htmx:afterRequest", function (e) {
  if (e.detail.requestConfig && e.detail.requestConfig.verb !== "get") { zfMarkChanged(); }
});
document.addEventListener("submit", function (e) {
  if (!e.defaultPrevented && (e.target.method || "").toLowerCase() === "post") { zfMarkChanged(); }
});
window.addEventListener("pageshow", function (e) {
  var shown = window.__zfShown || 0;
  window.__zfShown = Date.now();
  if (!e.persisted) { return; }
  var changed = 0;
  try { changed = Number(sessionStorage.getItem("zf-changed") || 0); } catch (err) { /* storage off: time decides */ }
  if (changed >= shown || Date.now() - shown > 180000) { window.location.reload(); }
});
