"""The kernel's models, defined in their capability packages and gathered here, where Django and
the migrations look for them (app label `lms`). Other apps import models from here; modules
inside `lms` import from the capability's own `models` module."""

from lms.accounts.models import (
    ERASED_NAME,
    Gender,
    GuardianApproval,
    Language,
    Level,
    Organisation,
    Profile,
    Sector,
    User,
    UserManager,
)
from lms.consent.models import (
    ConsentPurpose,
    ConsentState,
    ConsentToken,
    DigitalConsentAge,
    GuardianConsent,
    PrivacyNotice,
)
from lms.events.models import (
    Delivery,
    Event,
)
from lms.mail.models import (
    UNDELIVERABLE_DOMAIN,
    OutgoingEmail,
    undeliverable,
)
from lms.pages.models import (
    HomePage,
)
from lms.privacy.models import (
    DataExport,
    DataExportState,
    private_storage,
)

__all__ = [
    "Sector",
    "Level",
    "Gender",
    "Language",
    "UserManager",
    "ERASED_NAME",
    "User",
    "Organisation",
    "GuardianApproval",
    "Profile",
    "Event",
    "Delivery",
    "OutgoingEmail",
    "UNDELIVERABLE_DOMAIN",
    "undeliverable",
    "DigitalConsentAge",
    "ConsentPurpose",
    "PrivacyNotice",
    "ConsentState",
    "GuardianConsent",
    "ConsentToken",
    "private_storage",
    "DataExportState",
    "DataExport",
    "HomePage",
]
