// capi-upload serve: the little the page needs beyond plain forms.
// Drag and drop opens a file, a time format shows how it reads as it is
// typed, and a run's progress arrives as server-sent events.
"use strict";
(function () {
  var csrf = document.querySelector('meta[name="csrf"]').content;

  // Drag and drop onto the open box submits the file like the button.
  var drop = document.getElementById("drop");
  var file = document.getElementById("file");
  if (drop && file) {
    ["dragenter", "dragover"].forEach(function (t) {
      drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (t) {
      drop.addEventListener(t, function () { drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) {
        file.files = e.dataTransfer.files;
        document.getElementById("open-form").submit();
      }
    });
  }

  // A column's format box shows for time and date fields; for the
  // event_time column it says live how the samples read.
  function rowOf(el) { return el.closest("tr[data-col]"); }
  function readAs(tr) {
    var fmt = tr.querySelector(".fmt"), out = tr.querySelector(".readsas");
    var sel = tr.querySelector("select.field");
    if (!fmt || !out || sel.value !== "event_time") { if (out) out.textContent = ""; return; }
    var tz = document.getElementById("timezone");
    var q = "col=" + tr.dataset.col + "&format=" + encodeURIComponent(fmt.value) +
      "&timezone=" + encodeURIComponent(tz ? tz.value : "");
    fetch("/api/readas?" + q, { headers: { "X-CSRF-Token": csrf } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (!j) return;
        var r = j.reads_as || "";
        out.textContent = r === "" || r.indexOf("does not") === 0 ? r : "reads as " + r;
      });
  }
  document.querySelectorAll("tr[data-col]").forEach(function (tr) {
    var sel = tr.querySelector("select.field"), fmt = tr.querySelector(".fmt");
    sel.addEventListener("change", function () {
      fmt.hidden = !(sel.value === "event_time" || sel.value === "user_data.db");
      readAs(tr);
    });
    var timer;
    fmt.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { readAs(tr); }, 250);
    });
  });

  // A run in progress: follow it, then reload to show the result.
  var run = document.getElementById("run");
  if (run && run.dataset.running && window.EventSource) {
    var bar = document.getElementById("bar"), text = document.getElementById("progress-text");
    var es = new EventSource("/run/events");
    es.addEventListener("progress", function (e) {
      var p = JSON.parse(e.data);
      if (p.Total > 0) { bar.max = p.Total; bar.value = Math.min(p.Rows, p.Total); }
      text.textContent = p.Rows + " rows read, " + p.Done + " events" + (p.Total > 0 ? " of about " + p.Total + " rows" : "");
    });
    es.addEventListener("done", function () {
      es.close();
      location.replace("/#run");
      location.reload();
    });
  }
})();
