"""People: signing up (with the e-mailed confirmation), the profile, password reset, error pages and
security.txt. Entry points: `services` (user_register, signup_request/confirm, profile_update),
`selectors`, `views`, `forms`; the welcome e-mail in `handlers`; `consent` (the "account"
consent subject: a young person's account waits for a guardian); `privacy` (the account's part
of "download my data" and erasure)."""
