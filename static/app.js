// 振风: tiny page helpers (CSP allows no inline script). The toast (under the top bar, never over a button) fades
// after a few seconds, or at once on a tap anywhere on it.
function zfFade(t) {
  clearTimeout(window.__zfToast);
  window.__zfToast = setTimeout(function () { t.innerHTML = ""; }, 6000);
}
// Signed out (or about to sign in as someone else): the offline codes kept on this phone (static/offline-codes.js)
// go, so that the next person on it cannot show them.
if (window.location.pathname === "/login") {
  try { window.localStorage.removeItem("zf-offline-codes"); } catch (e) { /* nothing kept */ }
}
document.addEventListener("htmx:afterSwap", function (e) {
  if (e.detail.target && e.detail.target.id === "toast") { zfFade(e.detail.target); }
});
document.addEventListener("click", function (e) {
  var t = e.target.closest && e.target.closest("#toast");
  if (t) { clearTimeout(window.__zfToast); t.innerHTML = ""; }
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
// Lost answers. A form carrying its key (name=form_key, made when the page drew it) is safe to send again: the
// server answers a repeated key with the first answer and does nothing twice. So when the network loses the answer,
// the form stays locked, the banner says what is happening, and the very same form (same key) is sent again as soon
// as the phone is back online and every few seconds until an answer comes: the page then shows the result (the
// 核销码, the order, …) with no second tap. Only a button outside any form has no key: it is not sent again by itself
// (the toast says to look).
var zfLost = null;  // {elt, verb, path, timer} of the one form whose answer is awaited
var ZF_RETRY_MS = 3000;
var ZF_SEND_TIMEOUT_MS = 20000;  // an answer that hangs this long counts as lost (a form with a file: no limit)
function zfToast(text, kind) {
  var t = document.getElementById("toast");
  if (!t) { return; }
  t.innerHTML = '<p class="toast-msg' + (kind ? " " + kind : "") + '"></p><button type="button" class="toast-close">关闭</button>';
  t.firstChild.textContent = text;
  if (kind !== "wait") { zfFade(t); } else { clearTimeout(window.__zfToast); }
}
// Every form that sends something carries its key, made when the page drew it: a template's own (form_key()), or one
// added here. htmx sends it as X-Form-Key, and the server answers a repeat with the first answer (app/form_replay.py).
function zfNewKey() {
  var bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);  // (crypto.randomUUID needs https; a village server may be plain http)
  return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
}
function zfKeyForms(root) {
  var forms = root.querySelectorAll ? root.querySelectorAll("form") : [];
  if (root.tagName === "FORM") { forms = [root]; }
  Array.prototype.forEach.call(forms, function (f) {
    var posts = f.hasAttribute("hx-post") || (f.getAttribute("method") || "").toLowerCase() === "post";
    if (!posts || f.querySelector('input[name="form_key"]')) { return; }
    var key = document.createElement("input");
    key.type = "hidden"; key.name = "form_key"; key.value = zfNewKey();
    f.appendChild(key);
  });
}
document.addEventListener("DOMContentLoaded", function () { zfKeyForms(document); });
document.addEventListener("htmx:load", function (e) { zfKeyForms(e.detail.elt); });
function zfFormOf(elt) {
  return elt && (elt.tagName === "FORM" ? elt : elt.form || (elt.closest && elt.closest("form")));
}
document.addEventListener("htmx:configRequest", function (e) {
  var form = zfFormOf(e.detail.elt), key = form && form.querySelector('input[name="form_key"]');
  if (key && e.detail.verb !== "get") { e.detail.headers["X-Form-Key"] = key.value; }
});
// Once an answer has come, the key has done its work: a form still on the page gets a new one, so sending it
// again (先检查 with another file, 进货 once more) is a request of its own, not a repeat of the one answered.
document.addEventListener("htmx:afterRequest", function (e) {
  var config = e.detail.requestConfig, form = zfFormOf(config ? config.elt : e.detail.elt);
  var key = form && document.body.contains(form) && form.querySelector('input[name="form_key"]');
  if (key && config && config.verb !== "get" && e.detail.xhr && e.detail.xhr.status > 0) { key.value = zfNewKey(); }
});
function zfKeyed(elt) {
  var form = elt.tagName === "FORM" ? elt : elt.form || (elt.closest && elt.closest("form"));
  return !!(form && form.querySelector('input[name="form_key"]'));
}
function zfResend() {
  if (!zfLost) { return; }
  clearTimeout(zfLost.timer);
  if (!document.body.contains(zfLost.elt)) { zfLost = null; return; }
  zfLost.resending = true;
  htmx.ajax(zfLost.verb, zfLost.path, {source: zfLost.elt}).catch(function () {});  // a failure: sendError above
}
function zfNoAnswer(e) {
  var elt = e.detail.elt, config = e.detail.requestConfig;
  if (!elt || !config || config.verb === "get") { zfToast("网络断了，页面没有打开。\n请连上网后再点一次"); return; }
  if (!zfKeyed(elt)) { zfToast("网络断了，不知道办成没有。\n请连上网后刷新页面看看"); return; }
  if (zfLost) {  // one form waits at a time: another one lost now takes its place (the first can be tapped again)
    clearTimeout(zfLost.timer);
    if (zfLost.elt !== elt) { zfLost.elt.inert = false; zfLock(zfLost.elt, false); }
  }
  zfLost = {elt: elt, verb: config.verb, path: config.path, timer: setTimeout(zfResend, ZF_RETRY_MS)};
  zfLock(elt, true);
  elt.inert = true;  // what was sent stays as it was: the same key with other fields would be refused
  zfToast("网络断了，连上后自动查询结果。\n不用再点，请稍候", "wait");
}
document.addEventListener("htmx:configRequest", function (e) {
  var elt = e.detail.elt;
  if (e.detail.verb !== "get" && zfKeyed(elt) && !(elt.querySelector && elt.querySelector('input[type="file"]'))) {
    e.detail.timeout = ZF_SEND_TIMEOUT_MS;
  }
});
document.addEventListener("htmx:sendError", zfNoAnswer);
document.addEventListener("htmx:timeout", zfNoAnswer);
document.addEventListener("htmx:afterRequest", function (e) {  // an answer came (any answer): the wait is over
  var sent = e.detail.requestConfig ? e.detail.requestConfig.elt : e.detail.elt;  // (a swapped-out form: elt moves)
  if (zfLost && sent === zfLost.elt && e.detail.xhr && e.detail.xhr.status > 0) {
    zfLost.elt.inert = false;
    var t = document.getElementById("toast");
    if (t && t.querySelector(".toast-msg.wait")) { t.innerHTML = ""; }
    clearTimeout(zfLost.timer);
    zfLost = null;
  }
});
window.addEventListener("online", zfResend);
// A resend asks no question again: the person answered it before the first send (hx-confirm).
window.addEventListener("htmx:confirm", function (e) {
  if (zfLost && zfLost.resending && e.detail.elt === zfLost.elt) {
    e.preventDefault();
    e.stopImmediatePropagation();
    e.detail.issueRequest(true);
  }
}, true);
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
