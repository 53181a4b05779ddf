/* My data: follows the export job while it works, and reloads to offer the download. */
(function () {
  var box = document.getElementById("export-status");
  var bar = document.getElementById("export-progress");
  if (!box || !bar || !box.dataset.statusUrl) { return; }
  var percent = box.querySelector("[data-progress-percent]");
  var step = box.querySelector("[data-progress-step]");
  var pause = parseInt(box.dataset.pollMs, 10) || 1500;
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (status) {
        if (status.finished) { window.location.reload(); return; }
        bar.value = status.progress;
        bar.textContent = status.progress + " %";
        percent.textContent = status.progress;
        step.textContent = status.step || status.label;
        window.setTimeout(poll, pause);
      })
      .catch(function () { window.setTimeout(poll, pause * 3); });
  }
  window.setTimeout(poll, pause);
})();
