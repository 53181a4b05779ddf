// After a passkey is registered, go on to the recovery codes (shown once) or back to where the
// person was going.
(function () {
  "use strict";
  var done = document.getElementById("passkey-registration-done");
  if (!done) { return; }
  document.addEventListener("otp_webauthn.register_complete", function () {
    window.location.assign(done.dataset.doneUrl);
  });
})();
