"""The cohort desk in the Wagtail admin for presidency staff: applications and places against the
rules, decisions with reasons, nominee CSV import and formula-safe exports."""
