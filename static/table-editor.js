// 村务公开 · 插入表格: a small grid (rows and cells to add and remove, or cells pasted from Excel / WPS) written into
// the body as the table markup the page already renders (app/disclosure/markup.py `table_markup` is the same rule:
// a cell's \ | * _ ` [ ] < & escaped with a backslash, line breaks made spaces; a column of numbers aligned right).
// Without this script the tool stays hidden and the hint under the body says how to type a table by hand.
if (!window.__zfTableEditor) {
  window.__zfTableEditor = true;
  var zfTe = {
    MAX_ROWS: 100, MAX_COLS: 12,
    NUMBER: /^[-+]?[¥￥$]?\d[\d,]*(\.\d+)?\s*(%|元|万元|分|户|人|个)?$/,
    escapeCell: function (text) {
      return String(text).replace(/\s+/g, " ").trim().replace(/[\\|*_`\[\]<&]/g, "\\$&");
    },
    markup: function (rows) {
      var width = Math.max.apply(null, rows.map(function (r) { return r.length; }));
      var pad = function (r) { var out = r.slice(); while (out.length < width) { out.push(""); } return out; };
      var line = function (r) { return "| " + pad(r).map(zfTe.escapeCell).join(" | ") + " |"; };
      var rule = [];
      for (var c = 0; c < width; c++) {
        var cells = rows.slice(1).map(function (r) { return (r[c] || "").trim(); }).filter(Boolean);
        var numeric = cells.length > 0 && cells.every(function (t) { return zfTe.NUMBER.test(t); });
        rule.push(numeric ? "---:" : "---");
      }
      return [line(rows[0]), "|" + rule.join("|") + "|"].concat(rows.slice(1).map(line)).join("\n");
    },
    parsePasted: function (text) {  // tab-separated rows as Excel and WPS copy them ("a""b" quoting for odd cells)
      text = String(text).replace(/\r\n?/g, "\n").replace(/\n$/, "");
      var rows = [], row = [], cell = "", quoted = false;
      for (var i = 0; i < text.length; i++) {
        var ch = text[i];
        if (quoted) {
          if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; }
          else if (ch === '"') { quoted = false; }
          else { cell += ch; }
        } else if (ch === '"' && cell === "") { quoted = true; }
        else if (ch === "\t") { row.push(cell); cell = ""; }
        else if (ch === "\n") { row.push(cell); rows.push(row); row = []; cell = ""; }
        else { cell += ch; }
      }
      row.push(cell);
      rows.push(row);
      return rows.slice(0, zfTe.MAX_ROWS).map(function (r) { return r.slice(0, zfTe.MAX_COLS); });
    },
    read: function (tool) {
      return Array.prototype.map.call(tool.querySelectorAll(".tt-grid tr"), function (tr) {
        return Array.prototype.map.call(tr.querySelectorAll("input"), function (input) { return input.value; });
      });
    },
    draw: function (tool, rows) {
      var body = tool.querySelector(".tt-grid tbody");
      body.textContent = "";
      rows.forEach(function (cells, r) {
        var tr = document.createElement("tr");
        cells.forEach(function (value, c) {
          var td = document.createElement(r === 0 ? "th" : "td");
          var input = document.createElement("input");
          input.value = value;
          input.setAttribute("aria-label", r === 0 ? "表头第 " + (c + 1) + " 列" : "第 " + r + " 行第 " + (c + 1) + " 列");
          input.maxLength = 500;
          td.appendChild(input);
          tr.appendChild(td);
        });
        var end = document.createElement("td");
        if (r > 0) {
          var drop = document.createElement("button");
          drop.type = "button";
          drop.className = "btn tt-drop";
          drop.dataset.ttDrop = String(r);
          drop.textContent = "✕";
          drop.setAttribute("aria-label", "删除第 " + r + " 行");
          end.appendChild(drop);
        }
        tr.appendChild(end);
        body.appendChild(tr);
      });
      tool.querySelector("[data-tt-size]").textContent = "表头 + " + (rows.length - 1) + " 行 · " + rows[0].length + " 列";
    },
    say: function (tool, text) {
      var out = tool.querySelector(".tt-said");
      out.textContent = text;
      out.hidden = !text;
    },
    blank: function (r, c) {
      var rows = [];
      for (var i = 0; i < r; i++) { var row = []; for (var j = 0; j < c; j++) { row.push(""); } rows.push(row); }
      return rows;
    },
    insert: function (tool) {
      var rows = zfTe.read(tool);
      var filled = rows.some(function (r) { return r.some(function (t) { return t.trim(); }); });
      if (!filled) { zfTe.say(tool, "表格是空的：请先填上内容"); return; }
      var body = document.getElementById(tool.dataset.target);
      var at = body.selectionStart == null ? body.value.length : body.selectionEnd;
      var before = body.value.slice(0, at), after = body.value.slice(at);
      var lead = !before ? "" : before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
      var tail = !after ? "\n" : after.startsWith("\n\n") ? "" : after.startsWith("\n") ? "\n" : "\n\n";
      var text = lead + zfTe.markup(rows) + tail;
      body.value = before + text + after;
      body.dispatchEvent(new Event("input", { bubbles: true }));
      body.focus();
      body.setSelectionRange(before.length + text.length, before.length + text.length);
      zfTe.close(tool);
    },
    open: function (tool) {
      zfTe.draw(tool, zfTe.blank(3, 2));
      zfTe.say(tool, "");
      tool.querySelector(".tt-panel").hidden = false;
      tool.querySelector("[data-tt-open]").setAttribute("aria-expanded", "true");
      tool.querySelector(".tt-grid input").focus();
    },
    close: function (tool) {
      tool.querySelector(".tt-panel").hidden = true;
      tool.querySelector("[data-tt-open]").setAttribute("aria-expanded", "false");
      tool.querySelector(".tt-paste textarea").value = "";
    },
    act: function (tool, button) {
      var rows = zfTe.read(tool), d = button.dataset;
      if (d.ttOpen !== undefined) { return zfTe.open(tool); }
      if (d.ttInsert !== undefined) { return zfTe.insert(tool); }
      if (d.ttCancel !== undefined) { return zfTe.close(tool); }
      if (d.ttDrop !== undefined) { rows.splice(Number(d.ttDrop), 1); }
      if (d.ttRow !== undefined && rows.length < zfTe.MAX_ROWS) { rows.push(rows[0].map(function () { return ""; })); }
      if (d.ttCol !== undefined && rows[0].length < zfTe.MAX_COLS) { rows.forEach(function (r) { r.push(""); }); }
      if (d.ttUncol !== undefined && rows[0].length > 1) { rows.forEach(function (r) { r.pop(); }); }
      if (d.ttPaste !== undefined) {
        var text = tool.querySelector(".tt-paste textarea").value;
        if (!text.trim()) { return zfTe.say(tool, "请先把 Excel 里复制的单元格粘贴到框里"); }
        rows = zfTe.parsePasted(text);
        var width = Math.max.apply(null, rows.map(function (r) { return r.length; }));
        rows.forEach(function (r) { while (r.length < width) { r.push(""); } });
        tool.querySelector(".tt-paste").open = false;
        zfTe.say(tool, "已填入 " + rows.length + " 行，第一行作表头；请核对后插入");
      }
      zfTe.draw(tool, rows);
    }
  };
  window.zfTableEditor = zfTe;  // for the page's own checks in the browser tests
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-table-tool] button");
    if (button) { zfTe.act(button.closest("[data-table-tool]"), button); }
  });
  document.addEventListener("keydown", function (e) {  // Enter in a cell goes down a row; it never publishes the form
    var input = e.target;
    if (e.key !== "Enter" || !input.closest || !input.closest(".tt-grid")) { return; }
    e.preventDefault();
    var td = input.closest("th,td"), tr = td.parentNode, next = tr.nextElementSibling;
    var below = next && next.children[td.cellIndex] && next.children[td.cellIndex].querySelector("input");
    if (below) { below.focus(); }
  });
  document.addEventListener("paste", function (e) {  // cells copied from Excel pasted into a cell fill from there
    var input = e.target, text = e.clipboardData && e.clipboardData.getData("text/plain");
    if (!input.closest || !input.closest(".tt-grid") || !text || !/[\t\n]/.test(text.replace(/\r?\n$/, ""))) { return; }
    e.preventDefault();
    var tool = input.closest("[data-table-tool]"), td = input.closest("th,td");
    var r0 = td.parentNode.rowIndex, c0 = td.cellIndex, rows = zfTe.read(tool);
    zfTe.parsePasted(text).forEach(function (cells, i) {
      var r = r0 + i;
      if (r >= zfTe.MAX_ROWS) { return; }
      while (rows.length <= r) { rows.push(rows[0].map(function () { return ""; })); }
      cells.forEach(function (value, j) {
        var c = c0 + j;
        if (c >= zfTe.MAX_COLS) { return; }
        while (rows[0].length <= c) { rows.forEach(function (row) { row.push(""); }); }
        rows[r][c] = value;
      });
    });
    zfTe.draw(tool, rows);
  });
  var zfTeShow = function () {
    document.querySelectorAll("[data-table-tool]").forEach(function (tool) { tool.hidden = false; });
  };
  zfTeShow();
  document.addEventListener("htmx:afterSettle", zfTeShow);
}
