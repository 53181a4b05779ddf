"""A person's own data: the registry every app adds its part to (`services`: export and erasure),
the My data pages and the admin for privacy notices. Each capability keeps its own part
(`lms.accounts.privacy`, `lms.signin.privacy`, `<app>/privacy.py`)."""
