/* 核对积分账 (/verify): check one line of a household's history against its village's posted monthly root, in this
   browser. The line's facts and salt come in the address's fragment (never sent to the server); the path and the
   root from the public JSON (app/ledger/chain_api.py). The hashing is the browser's own (crypto.subtle), the same as
   app/ledger/merkle.py: leaf = SHA-256(0x00 || "zf1|book|seq|entry|txn|account|kind|amount|balance|time|salt"),
   node = SHA-256(0x01 || left || right), the path walked as RFC 9162 §2.1.3.2 says. */
(function () {
  "use strict";
  var box = document.getElementById("verify");
  if (!box) return;
  var $ = function (id) { return document.getElementById(id); };
  var kinds = {};
  try { kinds = JSON.parse(box.getAttribute("data-kinds") || "{}"); } catch (e) { kinds = {}; }

  function say(state, title, detail) {
    var result = $("verify-result");
    result.className = "verify-result " + state;
    result.setAttribute("data-state", state);
    $("verify-title").textContent = title;
    $("verify-detail").textContent = detail || "";
  }

  var p = new URLSearchParams(location.hash.slice(1));
  var facts = {};
  var patterns = { b: /^\d{1,10}$/, s: /^\d{1,10}$/, e: /^\d{1,10}$/, t: /^\d{1,10}$/, a: /^\d{1,10}$/,
    k: /^[a-z_]{1,20}$/, n: /^-?\d{1,12}$/, r: /^-?\d{1,15}$/,
    at: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, x: /^[0-9a-f]{32}$/ };
  var whole = p.get("v") === "1";
  Object.keys(patterns).forEach(function (key) {
    facts[key] = p.get(key) || "";
    if (!patterns[key].test(facts[key])) whole = false;
  });
  if (!whole) {
    say("bad", "链接不完整", "请回到积分明细，在要核对的那一笔上重新点“核对”。");
    return;
  }
  $("verify-facts").hidden = false;
  $("fact-kind").textContent = kinds[facts.k] || facts.k;
  var amount = Number(facts.n);
  $("fact-amount").textContent = (amount > 0 ? "+" : amount < 0 ? "−" : "") + Math.abs(amount) + " 分";
  $("fact-balance").textContent = facts.r + " 分";
  $("fact-time").textContent = new Date(facts.at).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai",
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  $("fact-seq").textContent = "第 " + facts.s + " 笔";

  if (!window.crypto || !window.crypto.subtle) {
    say("warn", "这台手机现在没法核对",
      "浏览器只在安全连接（https）下才做这种计算。请用 https 开头的地址打开这个页面，或换一台手机、电脑再试。");
    return;
  }

  function hex(bytes) {
    return Array.prototype.map.call(new Uint8Array(bytes), function (b) { return ("0" + b.toString(16)).slice(-2); })
      .join("");
  }
  function fromHex(text) {
    var out = new Uint8Array(text.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
    return out;
  }
  function sha(prefix, parts) {
    var size = 1 + parts.reduce(function (n, part) { return n + part.length; }, 0);
    var all = new Uint8Array(size);
    all[0] = prefix;
    var at = 1;
    parts.forEach(function (part) { all.set(part, at); at += part.length; });
    return crypto.subtle.digest("SHA-256", all).then(function (d) { return new Uint8Array(d); });
  }
  function rootFrom(leaf, index, size, path) {
    if (index >= size) return Promise.resolve(null);
    var fn = index, sn = size - 1, step = Promise.resolve(leaf);
    var ok = true;
    path.forEach(function (h) {
      var sibling = fromHex(h);
      step = step.then(function (r) {
        if (!ok || sn === 0) { ok = false; return r; }
        var next;
        if ((fn & 1) || fn === sn) {
          next = sha(1, [sibling, r]);
          if (!(fn & 1)) { while (fn && !(fn & 1)) { fn >>= 1; sn >>= 1; } }
        } else {
          next = sha(1, [r, sibling]);
        }
        fn >>= 1; sn >>= 1;
        return next;
      });
    });
    return step.then(function (r) { return ok && sn === 0 ? hex(r) : null; });
  }
  function get(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "omit" }).then(function (res) {
      if (res.status === 429) throw new Error("busy");
      if (res.status === 404) return null;
      if (!res.ok) throw new Error("http " + res.status);
      return res.json();
    });
  }
  function monthWords(month) { return Number(month.slice(0, 4)) + "年" + Number(month.slice(5, 7)) + "月"; }

  var text = ["zf1", facts.b, facts.s, facts.e, facts.t, facts.a, facts.k, facts.n, facts.r, facts.at, facts.x]
    .join("|");
  var base = "/api/v1/public/ledger/books/" + facts.b;

  function check() {
    $("verify-retry").hidden = true;
    say("wait", "正在核对…", "");
    var proof;
    Promise.all([sha(0, [new TextEncoder().encode(text)]), get(base + "/proofs/" + facts.s)]).then(function (got) {
      var leaf = got[0];
      proof = got[1];
      if (proof === null) return { missing: true };
      if (!proof.posted) return { open: true };
      return get(base + "/roots/" + proof.month).then(function (root) {
        if (root === null) return { open: true };
        return rootFrom(leaf, proof.index, proof.size, proof.path).then(function (mine) {
          return { root: root, same: mine === root.root };
        });
      });
    }).then(function (out) {
      if (out.missing) {
        say("bad", "不一致", "账本里找不到这一笔。请把这个页面给村务监督委员会或乡镇看。");
        return;
      }
      if (out.open) {
        say("warn", "本月尚未公示", "这一笔记在" + monthWords(proof.month) +
          "的账上。这个月结束、系统公示本月校验码以后，再点一次“核对”就能核对。");
        return;
      }
      $("fact-book").textContent = out.root.book;
      $("verify-root").hidden = false;
      $("root-title").textContent = out.root.book + monthWords(out.root.month) + "公示的校验码";
      $("root-hash").textContent = out.root.root.match(/.{1,8}/g).join(" ");
      $("root-when").textContent = "本月共 " + out.root.count + " 笔记账 · 公示于 " +
        new Date(out.root.posted_at).toLocaleDateString("zh-CN", { timeZone: "Asia/Shanghai" });
      if (out.same) {
        say("ok", "✓ 核对一致", "这一笔和" + monthWords(out.root.month) + "公示的校验码对得上：从记下到公示，它没有被改过。");
      } else {
        say("bad", "✗ 不一致", "这一笔和" + monthWords(out.root.month) +
          "公示的校验码对不上：这笔账的记录可能被改过。请把这个页面给村务监督委员会或乡镇看。");
      }
    }).catch(function (error) {
      if (error && error.message === "busy") {
        say("warn", "访问太频繁", "请过一分钟再点重试。");
      } else {
        say("warn", "没能核对", "网络不好，没有拿到公示的校验码。");
      }
      $("verify-retry").hidden = false;
    });
  }
  $("verify-retry").addEventListener("click", check);
  check();
})();
