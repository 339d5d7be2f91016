// 振风 camera scanner for the 收银台. Opens the back camera (getUserMedia), reads QR codes from the picture with
// BarcodeDetector where the browser has it, else with the vendored jsQR (loaded only when needed) on canvas frames,
// and hands each value it reads to the page. Knows nothing of pay codes, cards or the counter's screens.
// Interface (load this before counter.js):
//   var scanner = window.zfScanner.create(video, {jsqr: url, onCode: fn(text), onStatus: fn(state)});
//   scanner.start(); scanner.stop();   // both may be called at any time, any number of times
// onStatus gets "opening", "ready", "denied", "failed", "unsupported" or "insecure". The scanner stops by itself
// once the video leaves the page (a boosted navigation swapped the body).
(function () {
  "use strict";
  if (window.zfScanner) { return; }  // loaded again by a boosted visit: nothing is kept per page here

  var SCAN_EVERY_MS = 120;

  function create(video, options) {
    var onValue = options.onCode, onStatus = options.onStatus;
    var stream = null, running = false, opening = false, wanted = false, decode = null, canvas = null, ctx = null;

    function loadJsQR() {
      if (window.jsQR) { return Promise.resolve(); }
      return new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = options.jsqr;
        s.onload = resolve;
        s.onerror = reject;
        document.head.appendChild(s);
      });
    }

    function jsQRDecode() {
      var w = video.videoWidth, h = video.videoHeight;
      if (!w || !h) { return Promise.resolve(null); }
      var scale = Math.min(1, 640 / Math.max(w, h));
      canvas = canvas || document.createElement("canvas");
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      ctx = ctx || canvas.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(img.data, img.width, img.height, { inversionAttempts: "dontInvert" });
      return Promise.resolve(found ? found.data : null);
    }

    function chooseDecoder() {
      if (decode) { return Promise.resolve(); }
      var native = window.BarcodeDetector && window.BarcodeDetector.getSupportedFormats
        ? window.BarcodeDetector.getSupportedFormats().catch(function () { return []; }) : Promise.resolve([]);
      return native.then(function (formats) {
        if (formats.indexOf("qr_code") >= 0) {
          var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
          decode = function () {
            return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
          };
          return null;
        }
        return loadJsQR().then(function () { decode = jsQRDecode; });
      });
    }

    function loop() {
      if (!running) { return; }
      if (!video.isConnected) { stop(); return; }
      var next = function () { if (running) { setTimeout(loop, SCAN_EVERY_MS); } };
      if (video.readyState < 2) { next(); return; }
      decode().then(function (value) {
        if (running && value) { onValue(String(value)); }
        next();
      }, next);
    }

    function start() {
      wanted = true;
      if (running || opening) { return; }
      if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        onStatus(window.isSecureContext ? "unsupported" : "insecure");
        return;
      }
      opening = true;
      onStatus("opening");
      navigator.mediaDevices.getUserMedia({
        audio: false, video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } }
      }).then(function (s) {
        stream = s;
        if (!wanted || !video.isConnected) { release(); return null; }  // stopped while the camera was opening
        video.srcObject = s;
        return Promise.all([video.play(), chooseDecoder()]).then(function () {
          opening = false;
          if (!wanted || !video.isConnected) { release(); return; }
          running = true;
          onStatus("ready");
          loop();
        });
      }).catch(function (err) {
        release();
        onStatus(err && err.name === "NotAllowedError" ? "denied" : "failed");
      });
    }

    function release() {
      opening = false;
      running = false;
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
      stream = null;
      video.srcObject = null;
    }

    function stop() {
      wanted = false;
      if (!opening) { release(); }
    }

    return { start: start, stop: stop };
  }

  window.zfScanner = { create: create };
})();
