// 导入花名册 (web/org/import.html): the busy line says what is going on (检查 or 导入 N 户) with the upload's progress;
// choosing another file takes back the 导入 button until that file is checked. Loaded once, delegated.
if (!window.__zfRoster) {
  window.__zfRoster = true;
  var zfRosterForm = function (el) { return el && el.closest ? el.closest("#roster-form") : null; };
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("#roster-form button[data-busy]");
    var text = document.getElementById("roster-busy-text");
    if (button && text) { text.textContent = button.getAttribute("data-busy"); }
    var bar = document.getElementById("roster-progress");
    if (button && bar) { bar.removeAttribute("value"); }
  });
  // app.js locks the form's buttons while a file goes up and unlocks them all when the answer comes: the 导入
  // button the answer brings stays locked unless the file was checked clean (it says so with data-locked).
  document.addEventListener("htmx:afterRequest", function (e) {
    var form = zfRosterForm(e.detail.elt);
    if (form) { form.querySelectorAll("button[data-locked]").forEach(function (b) { b.disabled = true; }); }
  });
  document.addEventListener("htmx:xhr:progress", function (e) {
    var bar = document.getElementById("roster-progress");
    if (!bar || !zfRosterForm(e.target) || !e.detail.lengthComputable) { return; }
    bar.value = Math.round(e.detail.loaded / e.detail.total * 100);
  });
  var zfRosterChosen = function () {
    var input = document.getElementById("roster-file");
    var out = input && input.parentNode.querySelector(".file-chosen");
    if (!out) { return; }
    var file = input.files && input.files[0];
    out.textContent = file ? "✓ 已选：" + file.name : "";
    out.hidden = !file;
  };
  zfRosterChosen();  // a file chosen before the script arrived (a slow phone, the back button)
  document.addEventListener("htmx:afterSettle", zfRosterChosen);
  document.addEventListener("change", function (e) {
    if (!e.target.matches || !e.target.matches("#roster-file")) { return; }
    zfRosterChosen();
    var result = document.getElementById("roster-result");
    var button = document.querySelector("#roster-result .roster-import");
    if (button && !button.disabled) {
      result.textContent = "";
      var again = document.createElement("p");
      again.className = "muted roster-hint";
      again.textContent = "换了文件，请先检查。";
      var off = document.createElement("button");
      off.type = "submit"; off.name = "step"; off.value = "import"; off.className = "btn primary block roster-import";
      off.disabled = true; off.setAttribute("data-locked", ""); off.textContent = "导入";
      result.appendChild(off);
      result.appendChild(again);
    }
  });
}
