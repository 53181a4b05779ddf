"""Logging in safely: failed-login lockout (django-axes), the second factor for the roles that
need one (django-otp: authenticator apps, recovery codes; django-otp-webauthn: passkeys), the
shorter staff session, and asking for the password again before erasure and data export.

Modules: `lockout` (axes glue), `roles` (who must use a second factor), `devices` (services and
selectors over a person's devices), `middleware`, `forms`, `views`, `passkeys`, `urls`,
`reauth` (confirming who one is again), `demo` (the development accounts' demo device)."""
