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

  // ------------------------------------------------------------ queue: refresh and saved views

  // The queue table refreshes itself (#queue-refresh, htmx polling); skip a refresh while the
  // person has cases ticked for a bulk action, so their selection is never wiped.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail && event.detail.elt;
    if (!source || source.id !== "queue-refresh") return;
    if (document.querySelector("#case-table input[name=refs]:checked")) event.preventDefault();
  });

  // The filters change the address without reloading (hx-push-url): save what is shown now.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.closest || !form.closest("#save-view")) return;
    var query = form.querySelector("input[name=query]");
    if (query) query.value = window.location.search.replace(/^\?/, "");
  });

  // ------------------------------------------------------------ keyboard shortcuts

  function typing(el) {
    if (!el || !el.tagName) return false;
    var tag = el.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || el.isContentEditable;
  }

  function focusFirst(selectors) {
    for (var i = 0; i < selectors.length; i++) {
      var el = document.querySelector(selectors[i]);
      if (el) { el.focus(); return true; }
    }
    return false;
  }

  // Until reply and note are two forms: the one form's type follows the key pressed, so a
  // note begun with "n" never goes to the customer.
  function setDirection(value) {
    var direction = document.querySelector("form[action$='/message/'] select[name=direction]");
    if (direction) direction.value = value;
  }

  var currentRef = null;  // the highlighted queue row, kept across the table's refreshes

  function queueRows() {
    return Array.prototype.slice.call(document.querySelectorAll("#cases tbody tr[data-ref]"));
  }

  function highlight(row) {
    queueRows().forEach(function (r) { r.classList.remove("kbd-current"); r.removeAttribute("aria-selected"); });
    if (!row) return;
    row.classList.add("kbd-current");
    row.setAttribute("aria-selected", "true");
    currentRef = row.getAttribute("data-ref");
    if (row.scrollIntoView) row.scrollIntoView({block: "nearest"});
  }

  function moveRow(step) {
    var rows = queueRows();
    if (!rows.length) return false;
    var index = -1;
    rows.forEach(function (r, i) { if (r.getAttribute("data-ref") === currentRef) index = i; });
    var next = index < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, index + step));
    highlight(rows[next]);
    return true;
  }

  function openRow() {
    var row = document.querySelector("#cases tbody tr.kbd-current");
    var link = row && row.querySelector("a[href]");
    if (!link) return false;
    window.location.assign(link.getAttribute("href"));
    return true;
  }

  function toggleHelp(show) {
    var help = document.getElementById("shortcuts-help");
    if (!help) return false;
    help.hidden = show === undefined ? !help.hidden : !show;
    return true;
  }

  document.addEventListener("htmx:afterSettle", function () {
    if (!currentRef) return;
    var row = document.querySelector('#cases tbody tr[data-ref="' + currentRef + '"]');
    if (row) highlight(row);
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-close-shortcuts]")) toggleHelp(false);
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) {
      if (event.key === "Escape" && event.target.blur) event.target.blur();
      return;
    }
    var done = false;
    switch (event.key) {
      case "/":
        // The header's search box, else the queue's own search field.
        done = focusFirst(["#desk-search", "#id_q", "input[name=q]"]);
        break;
      case "j": done = moveRow(1); break;
      case "k": done = moveRow(-1); break;
      // Enter on a focused link or button keeps its own meaning.
      case "Enter": done = event.target === document.body && openRow(); break;
      case "r":
        done = focusFirst(["#reply-body", "form[action$='/message/'] textarea[name=body]"]);
        if (done && !document.getElementById("reply-body")) setDirection("out");
        break;
      case "n":
        done = focusFirst(["#note-body", "form[action$='/message/'] textarea[name=body]"]);
        if (done && !document.getElementById("note-body")) setDirection("note");
        break;
      case "?": done = toggleHelp(); break;
      case "Escape": done = toggleHelp(false); break;
    }
    if (done) event.preventDefault();
  });
})();
