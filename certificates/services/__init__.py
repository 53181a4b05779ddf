"""Write-side services of certificates: which template applies, issuing a certificate once per
person and cohort, activity or module, rendering it in a job, revoking and reissuing it, and bulk
issue for a cohort with a status row the admin page polls.

One module per use case; this package re-exports their public entry points, so callers write
`from certificates import services` and `services.certificate_issue(...)`. Dependencies point
one way: `base` <- `targets` <- `issue` <- `revoke`; `bulk_status` <- `render` <- `bulk`;
`sweep` uses `base` and `bulk_status`. A render that fails is recorded on its row and tried
again with back-off up to a cap; the sweeper also resumes work whose job was lost. The queued
task paths stay in `certificates.tasks`.
"""

from certificates.services.base import (
    BULK_CHUNK_TASK,
    BULK_TASK,
    RENDER_TASK,
    SWEEP_AFTER_SECONDS,
)
from certificates.services.bulk import (
    BULK_CHUNK,
    certificates_bulk_fail,
    certificates_bulk_render,
    certificates_bulk_request,
    certificates_bulk_run,
)
from certificates.services.issue import certificate_issue, certificate_issue_concerns
from certificates.services.render import (
    certificate_render,
    certificate_render_retry,
    render_failure_record,
)
from certificates.services.revoke import certificate_reissue, certificate_revoke
from certificates.services.sweep import certificates_sweep
from certificates.services.targets import certificate_template_for

__all__ = [
    "BULK_CHUNK",
    "BULK_CHUNK_TASK",
    "BULK_TASK",
    "RENDER_TASK",
    "SWEEP_AFTER_SECONDS",
    "certificate_issue",
    "certificate_issue_concerns",
    "certificate_reissue",
    "certificate_render",
    "certificate_render_retry",
    "certificate_revoke",
    "certificate_template_for",
    "certificates_bulk_fail",
    "certificates_bulk_render",
    "certificates_bulk_request",
    "certificates_bulk_run",
    "certificates_sweep",
    "render_failure_record",
]
