// 村务公开: a chosen attachment's name shown under its button (the file input itself is hidden under the button,
// so that the button speaks Chinese whatever the browser's language). Loaded once, delegated.
if (!window.__zfDisclosure) {
  window.__zfDisclosure = true;
  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches(".file-pick input[type=file]")) { return; }
    var out = input.parentNode.querySelector(".file-chosen");
    if (!out) { return; }
    var file = input.files && input.files[0];
    out.textContent = file ? "✓ 已选：" + file.name : "";
    out.hidden = !file;
  });
}
