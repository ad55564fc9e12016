// orgpick's own script: small enhancements on top of pages that work without it. No inline
// script anywhere (the CSP forbids it), so everything is wired here.
//  - [data-countdown="N"]: counts N seconds down, in the same words the server uses; at zero its
//    [data-countdown-box] says only its .countdown-ready sentence, and the buttons of its form
//    marked data-cooldown (disabled while the server would refuse them) are enabled.
//  - time[data-local]: shows the time in the person's own time zone, naming it.
//  - plain forms (not htmx's): after submit, the button is disabled and shows its indicator,
//    so the form can't be sent twice (reset when the page comes back from the back/forward cache).
//  - button[data-copy="ID"] (hidden without JavaScript): copies #ID's data-copy-text (else its
//    text), then says so.
(function () {
  "use strict";

  function waitWords(s) {
    if (s >= 120) return Math.ceil(s / 60) + " minutes"; // as handlers.humanSeconds
    return s === 1 ? "1 second" : s + " seconds";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      if (!el.dataset.until) el.dataset.until = String(now + Number(el.dataset.countdown) * 1000);
      var left = Math.max(0, Math.ceil((Number(el.dataset.until) - now) / 1000));
      var text = waitWords(left);
      if (el.textContent !== text) el.textContent = text;
      var box = left === 0 && el.closest("[data-countdown-box]");
      if (box && !box.hasAttribute("data-ready")) ready(box);
    });
  }

  function ready(box) {
    box.setAttribute("data-ready", "");
    box.querySelectorAll(".countdown-wait").forEach(function (w) { w.hidden = true; });
    box.querySelectorAll(".countdown-ready").forEach(function (r) { r.hidden = false; });
    (box.closest("form") || document).querySelectorAll("button[data-cooldown]").forEach(function (b) {
      b.disabled = false;
      b.removeAttribute("data-cooldown");
    });
  }

  function localTimes(root) {
    root.querySelectorAll("time[data-local]:not([data-localized])").forEach(function (el) {
      var t = new Date(el.getAttribute("datetime"));
      if (isNaN(t)) return;
      var f = new Intl.DateTimeFormat(undefined, {
        weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZoneName: "short"
      });
      el.textContent = f.format(t) + " (" + el.textContent + ")";
      el.setAttribute("data-localized", "");
    });
  }

  function busy(form, on) {
    form.classList.toggle("is-submitting", on);
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = on; });
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (e.defaultPrevented || form.hasAttribute("hx-post") || form.hasAttribute("hx-get")) return;
    if (form.classList.contains("is-submitting")) { e.preventDefault(); return; } // sent already
    setTimeout(function () { busy(form, true); }, 0);
  });
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) document.querySelectorAll("form.is-submitting").forEach(function (f) { busy(f, false); });
  });
  function copyButtons(root) {
    root.querySelectorAll("button[data-copy][hidden]").forEach(function (b) { b.hidden = false; });
  }
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("button[data-copy]");
    if (!b) return;
    var src = document.getElementById(b.dataset.copy);
    if (!src || !navigator.clipboard) return;
    navigator.clipboard.writeText(src.dataset.copyText || src.textContent.trim()).then(function () { b.textContent = "Copied"; });
  });
  document.addEventListener("htmx:load", function (e) { localTimes(e.detail.elt); copyButtons(e.detail.elt); tick(); }); // a countdown starts when it arrives
  document.addEventListener("DOMContentLoaded", function () { localTimes(document); copyButtons(document); tick(); });
  setInterval(tick, 250); // a quarter second: each second shows within 250 ms of when it starts
})();
