// 村务公开: a chosen attachment's name shown under its button (the file input itself is hidden under the button,
// so that the button speaks Chinese whatever the browser's language). Loaded once, delegated; on load it also shows
// a file chosen before the script arrived (a slow phone, a boosted page, the browser's back button).
if (!window.__zfDisclosure) {
  window.__zfDisclosure = true;
  var zfShowChosen = function (input) {
    var out = input.parentNode.querySelector(".file-chosen");
    if (!out) { return; }
    var file = input.files && input.files[0];
    out.textContent = file ? "✓ 已选：" + file.name : "";
    out.hidden = !file;
  };
  document.addEventListener("change", function (e) {
    var input = e.target;
    if (input.matches && input.matches(".file-pick input[type=file]")) { zfShowChosen(input); }
  });
  var zfShowAll = function () {
    document.querySelectorAll(".file-pick input[type=file]").forEach(zfShowChosen);
  };
  zfShowAll();
  document.addEventListener("htmx:afterSettle", zfShowAll);
}
