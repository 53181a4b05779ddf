/* Cohort desk: "Select everyone on this page" for the bulk decision. The page loads the
   string catalogue (gettext) before this script. */
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector("[data-desk-select-all]");
  if (!button) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var boxes = document.querySelectorAll("[data-desk-select]");
    var all = Array.prototype.every.call(boxes, function (box) { return box.checked; });
    Array.prototype.forEach.call(boxes, function (box) { box.checked = !all; });
    button.textContent = all ? gettext("Select everyone on this page") : gettext("Clear the selection");
  });
});
