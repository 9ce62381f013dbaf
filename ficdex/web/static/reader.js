// Reader preferences (font size, dark theme) and the reading position, kept in
// localStorage so the server stays stateless; no story data is read from here.
(function () {
  "use strict";
  var PREFS = "ficdex:reader";
  var store = window.localStorage;
  function load(key, fallback) {
    try { return JSON.parse(store.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function save(key, value) {
    try { store.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode: forget quietly */ }
  }
  var prefs = load(PREFS, { size: 100, dark: false });
  var reader = document.getElementById("reader");
  var theme = document.getElementById("theme");

  function apply() {
    document.body.classList.toggle("dark", !!prefs.dark);
    if (reader) reader.style.fontSize = (1.15 * prefs.size / 100).toFixed(3) + "em";
    if (theme) {
      theme.setAttribute("aria-pressed", prefs.dark ? "true" : "false");
      theme.textContent = prefs.dark ? "Light" : "Dark";
    }
  }
  function bind(id, fn) {
    var el = document.getElementById(id);
    if (el) el.addEventListener("click", function () { fn(); save(PREFS, prefs); apply(); });
  }
  bind("font-up", function () { prefs.size = Math.min(200, prefs.size + 10); });
  bind("font-down", function () { prefs.size = Math.max(60, prefs.size - 10); });
  bind("theme", function () { prefs.dark = !prefs.dark; });
  apply();

  // On the work page: offer to continue where the reader left off.
  var resume = document.getElementById("resume");
  if (resume) {
    var at = load("ficdex:pos:" + resume.dataset.work, null);
    if (at && at.url) {
      resume.href = at.url + "#p" + at.p;
      resume.parentNode.hidden = false;
    }
  }
  if (!reader) return;

  // Paragraphs are numbered across the work (data-p); the first one visible
  // is the position.  The URL is kept so "continue" reopens the same view.
  var key = "ficdex:pos:" + reader.dataset.work;
  var paras = reader.querySelectorAll("p[data-p]");
  function firstVisible() {
    for (var i = 0; i < paras.length; i++) {
      if (paras[i].getBoundingClientRect().bottom > 0) return paras[i];
    }
    return null;
  }
  var pending = null;
  window.addEventListener("scroll", function () {
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      var p = firstVisible();
      if (p) save(key, { url: location.pathname, p: Number(p.dataset.p), t: Date.now() });
    }, 250);
  }, { passive: true });

  var wanted = /^#p(\d+)$/.exec(location.hash);
  var saved = load(key, null);
  var target = wanted ? Number(wanted[1]) : (saved && saved.url === location.pathname ? saved.p : null);
  if (target !== null && target > 0) {
    var el = reader.querySelector('p[data-p="' + target + '"]');
    if (el) el.scrollIntoView();
  }
})();
