"""The ages of digital consent of the member states (GDPR art. 8 as each country set it) and the
first plain-language notice for guardians. Both are data that admins edit afterwards."""

import datetime as dt

from django.db import migrations

GDPR_START = dt.date(2018, 5, 25)
# Iceland and Norway took the GDPR into the EEA agreement later.
EEA_START = dt.date(2018, 7, 20)

AGES = [
    ("DK", 13, GDPR_START),
    ("DK", 15, dt.date(2024, 1, 1)),
    ("EE", 13, GDPR_START),
    ("FI", 13, GDPR_START),
    ("LV", 13, GDPR_START),
    ("SE", 13, GDPR_START),
    ("IS", 13, EEA_START),
    ("NO", 13, EEA_START),
    ("LT", 14, GDPR_START),
    ("DE", 16, GDPR_START),
    ("PL", 16, GDPR_START),
]

NOTICE = """BSR Academy brings young people from the Baltic Sea Region together to learn about safety \
and crisis preparedness: workshops, exercises and youth exchanges run by the Council of the Baltic \
Sea States' programmes with fire and rescue services, police, border guards and volunteer \
organisations.

To give your child a place, we keep their first and family name, their year (or date) of birth, \
the group and country they come with, and your name and contact as their guardian. If the group \
leader adds dietary or medical notes, only the activity's staff can read them, and they are \
deleted automatically after the activity.

We use these data only to run the activity: the participant list, the pass your child shows at \
the door, attendance, and a certificate of participation. We do not sell them, and we do not use \
them for advertising.

You can withdraw your consent at any time with the link in the e-mail we send you after you \
decide; your child's place is then given up. You can also ask us to see or erase everything we \
keep about your child."""


def load(apps, schema_editor):
    DigitalConsentAge = apps.get_model("lms", "DigitalConsentAge")
    PrivacyNotice = apps.get_model("lms", "PrivacyNotice")
    for country, age, valid_from in AGES:
        DigitalConsentAge.objects.get_or_create(
            country=country, valid_from=valid_from, defaults={"age": age}
        )
    PrivacyNotice.objects.get_or_create(
        version="2026-1",
        defaults={"title": "What we keep about your child, and why", "body": NOTICE},
    )


class Migration(migrations.Migration):
    dependencies = [("lms", "0005_privacy_and_consent")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
