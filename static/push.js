// 消息 → 手机提醒 (issue #18): subscribe this phone's browser to Web Push with the server's VAPID key, and send the
// subscription to /api/v1/me/push-subscriptions. Shown only where the server has pushes on.
(function () {
  var button = document.getElementById("push-on");
  var status = document.getElementById("push-status");
  if (!button) return;
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    status.textContent = "这台手机的浏览器不支持提醒，请常来“消息”看看";
    button.disabled = true;
    return;
  }
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; }
    catch (e) { return ""; }
  }
  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  button.addEventListener("click", function () {
    button.disabled = true;
    Notification.requestPermission().then(function (answer) {
      if (answer !== "granted") throw new Error("denied");
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(button.dataset.key) });
    }).then(function (sub) {
      var json = sub.toJSON();
      return fetch("/api/v1/me/push-subscriptions", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
        body: JSON.stringify({ endpoint: json.endpoint, p256dh: json.keys.p256dh, auth: json.keys.auth }),
      });
    }).then(function (res) {
      if (!res.ok) throw new Error("refused");
      status.textContent = "已打开：有新消息时这台手机会提醒您";
    }).catch(function (err) {
      button.disabled = false;
      status.textContent = err && err.message === "denied" ? "您没有允许提醒，可以在浏览器设置里打开" : "没有打开成功，请稍后再试";
    });
  });
})();
