"""Certificates in the Wagtail admin: one certificate with revoke and reissue, a cohort's
certificates with bulk issue, and the template editor's forms."""
