/* Behaviour the templates once had inline (onchange=, oninput=, plotly's <script>):
   the Content-Security-Policy allows scripts only from /static/. Delegated on the document,
   so content swapped in by htmx works without re-binding. */
(function () {
  "use strict";

  // <select data-autosubmit>: submit its form on change.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) el.form.submit();
  });

  // <input data-output="ID">: show the value in <output id="ID"> while it moves.
  document.addEventListener("input", function (event) {
    var el = event.target;
    var id = el.getAttribute && el.getAttribute("data-output");
    if (!id) return;
    var out = document.getElementById(id);
    if (out) out.value = el.value;
  });

  // <div data-figure="{data, layout, config}">: a plotly chart (lib/charts.py).
  function drawCharts(root) {
    if (!window.Plotly || !root.querySelectorAll) return;
    root.querySelectorAll("[data-figure]").forEach(function (el) {
      if (el.getAttribute("data-drawn")) return;
      var spec = JSON.parse(el.getAttribute("data-figure"));
      el.setAttribute("data-drawn", "1");
      window.Plotly.newPlot(el, spec.data || [], spec.layout || {}, spec.config || {});
    });
  }

  // A canned answer swapped into the reply box (desk/answers.answer_text): go on typing at
  // its end.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.target || event.target.id !== "reply-editor") return;
    var box = document.getElementById("reply-body");
    if (!box) return;
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  });

  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });

  // "/" focuses the desk's search box (#desk-search), unless the person is typing somewhere.
  function focusSearchOnSlash(event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var t = event.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var box = document.getElementById("desk-search");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  }
  document.addEventListener("keydown", focusSearchOnSlash);
  document.addEventListener("htmx:afterSettle", function (event) { drawCharts(event.target); });
})();
