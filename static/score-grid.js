// 评分表: the chosen photo's name shown under its row (the file input lies over the 拍照 button, so that the button
// speaks Chinese whatever the browser's language), and a large camera photo made smaller on the phone before it is
// sent (the server re-encodes every photo to at most 1600 px anyway; a form with several full-size camera photos
// would pass the upload cap). Without this script the photos go as they are. Loaded once, delegated.
if (!window.__zfScoreGrid) {
  window.__zfScoreGrid = true;
  var zfGridMaxSide = 1600, zfGridShrinkAbove = 1024 * 1024;
  var zfGridChosen = function (input, note) {
    var out = input.closest(".grid-row").querySelector(".file-chosen");
    if (!out) { return; }
    var file = input.files && input.files[0];
    out.textContent = file ? "✓ " + file.name + (note || "") : "";
    out.hidden = !file;
  };
  var zfGridShrink = function (input) {
    var file = input.files && input.files[0];
    if (!file || file.size <= zfGridShrinkAbove || !/^image\//.test(file.type) || !window.DataTransfer
        || !window.createImageBitmap) { return; }
    input.closest("form").dataset.shrinking = String(Number(input.closest("form").dataset.shrinking || 0) + 1);
    var done = function () {
      var form = input.closest("form");
      form.dataset.shrinking = String(Math.max(0, Number(form.dataset.shrinking) - 1));
    };
    createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, zfGridMaxSide / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) {
        if (blob && blob.size < file.size) {
          var box = new DataTransfer();
          box.items.add(new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg" }));
          input.files = box.files;
          zfGridChosen(input, "（已缩小）");
        }
        done();
      }, "image/jpeg", 0.85);
    }).catch(done);
  };
  document.addEventListener("change", function (e) {
    var input = e.target;
    if (input.matches && input.matches(".photo-pick input[type=file]")) { zfGridChosen(input); zfGridShrink(input); }
  });
  document.addEventListener("submit", function (e) {  // wait for a photo still being made smaller
    var form = e.target;
    if (form.classList && form.classList.contains("score-grid") && Number(form.dataset.shrinking || 0) > 0) {
      e.preventDefault();
      e.stopPropagation();  // nor to htmx's boosted submit
      setTimeout(function () { form.requestSubmit(); }, 300);
    }
  }, true);
  var zfGridAll = function () {
    document.querySelectorAll(".photo-pick input[type=file]").forEach(function (input) { zfGridChosen(input); });
  };
  zfGridAll();
  document.addEventListener("htmx:afterSettle", zfGridAll);
}
