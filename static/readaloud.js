// 朗读: a button with data-say reads its words aloud in Mandarin through the browser's speech (Web Speech API).
// The server wrote the words (numbers and dates as they are said: app/speech.py); this file only speaks them.
// The buttons stay hidden (static/app.css) until the phone is found to have a Chinese voice: then <html> gets
// the class zf-voice. Some phones list their voices late, hence voiceschanged. A second tap stops the reading.
(function () {
  var synth = window.speechSynthesis;
  if (!synth || typeof window.SpeechSynthesisUtterance !== "function") { return; }
  function chineseVoice() {
    var voices = synth.getVoices() || [], best = null;
    for (var i = 0; i < voices.length; i++) {
      var lang = (voices[i].lang || "").toLowerCase().replace("_", "-");
      if (lang === "zh-cn" || lang === "cmn-cn" || lang === "cmn-hans-cn") { return voices[i]; }
      if (!best && (lang.indexOf("zh") === 0 || lang.indexOf("cmn") === 0)) { best = voices[i]; }
    }
    return best;
  }
  function look() {
    if (chineseVoice()) { document.documentElement.classList.add("zf-voice"); }
  }
  look();
  if (synth.addEventListener) { synth.addEventListener("voiceschanged", look); }
  var reading = null;
  function done() {
    if (reading) { reading.removeAttribute("aria-pressed"); reading = null; }
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-say]");
    if (!button) { return; }
    e.preventDefault();
    var again = reading === button;
    synth.cancel();
    done();
    if (again) { return; }  // the second tap stops it
    var voice = chineseVoice(), words = new window.SpeechSynthesisUtterance(button.getAttribute("data-say") || "");
    words.lang = "zh-CN";
    if (voice) { words.voice = voice; }
    words.rate = 0.9;  // a little slower than the default: said for elderly ears
    words.onend = done;
    words.onerror = done;
    reading = button;
    button.setAttribute("aria-pressed", "true");
    synth.speak(words);
  });
  window.addEventListener("pagehide", function () { synth.cancel(); done(); });
  document.addEventListener("htmx:beforeHistorySave", function () { synth.cancel(); done(); });  // a boosted link
})();
