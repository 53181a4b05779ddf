"""Guardian consent for minors: the registry of consent subjects, requests, the guardian's pages
opened from the e-mailed link, and ages of digital consent per country. The "account" subject of a
young person signing up lives with accounts (`lms.accounts.consent`). Entry points: `services`,
`age.needs_guardian`."""
