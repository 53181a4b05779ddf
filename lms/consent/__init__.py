"""Guardian consent for minors: the registry of consent subjects, requests, the guardian's pages
opened from the e-mailed link, ages of digital consent per country, and the "account" subject of
a young person signing up (`account`). Entry points: `services`, `age.needs_guardian`."""
