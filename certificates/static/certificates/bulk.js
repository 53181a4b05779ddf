/* The bulk issue page follows its job: polls the status and updates the counts and the bar.
   The texts come translated from the status; the page loads the string catalogue first. */
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("bulk-progress");
  if (!box || box.getAttribute("data-bulk-final") === "true" || !window.fetch) { return; }
  var url = box.getAttribute("data-bulk-status-url");
  var delay = parseInt(box.getAttribute("data-bulk-poll-ms"), 10) || 2000;
  function set(selector, text) {
    var node = box.querySelector(selector);
    if (node) { node.textContent = text; }
  }
  function show(data) {
    var bar = box.querySelector("[data-bulk-bar]");
    bar.max = data.total || 1;
    bar.value = data.total ? data.processed : (data.final ? 1 : 0);
    bar.textContent = data.percent + "%";
    set("[data-bulk-headline]", data.headline);
    set("[data-bulk-text]", data.text);
    set("[data-bulk-issued]", data.issued);
    set("[data-bulk-skipped]", data.skipped);
    set("[data-bulk-failed]", data.failed);
    set("[data-bulk-total]", data.total);
    var note = box.querySelector("[data-bulk-note]");
    if (note) {
      note.textContent = data.note || "";
      note.hidden = !data.note;
    }
    var error = box.querySelector("[data-bulk-error]");
    if (data.state === "failed") {
      error.textContent = interpolate(
        gettext("The bulk issue stopped: %(reason)s"),
        { reason: data.error || gettext("see the server log") },
        true
      );
      error.hidden = false;
    }
    box.querySelector("[data-bulk-running]").hidden = data.final;
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data) { show(data); }
        if (!data || !data.final) { window.setTimeout(poll, delay); }
      })
      .catch(function () { window.setTimeout(poll, delay * 2); });
  }
  window.setTimeout(poll, delay);
});
