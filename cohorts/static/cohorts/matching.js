/* A matching run's page follows the job while it works, and reloads when it has finished. */
document.addEventListener("DOMContentLoaded", function () {
  var bar = document.getElementById("run-progress");
  if (!bar || !bar.dataset.statusUrl) { return; }
  var percent = document.querySelector("[data-progress-percent]");
  var note = document.querySelector("[data-progress-note]");
  function poll() {
    fetch(bar.dataset.statusUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (status) {
        if (status.finished) { window.location.reload(); return; }
        bar.value = status.progress;
        bar.textContent = status.progress + " %";
        percent.textContent = status.progress;
        note.textContent = status.note || status.label;
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
});
