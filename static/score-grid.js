// 评分表: the chosen photo's name shown beside its 拍照 button (the file input is hidden under the button, so that
// the button speaks Chinese whatever the browser's language). Loaded once, delegated; also after a boosted swap.
if (!window.__zfScoreGrid) {
  window.__zfScoreGrid = true;
  var zfGridChosen = function (input) {
    var out = input.closest(".grid-row").querySelector(".file-chosen");
    if (!out) { return; }
    var file = input.files && input.files[0];
    out.textContent = file ? "✓ " + file.name : "";
    out.hidden = !file;
  };
  document.addEventListener("change", function (e) {
    var input = e.target;
    if (input.matches && input.matches(".photo-pick input[type=file]")) { zfGridChosen(input); }
  });
  var zfGridAll = function () { document.querySelectorAll(".photo-pick input[type=file]").forEach(zfGridChosen); };
  zfGridAll();
  document.addEventListener("htmx:afterSettle", zfGridAll);
}
