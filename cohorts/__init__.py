"""Cohorts, enrolment and places, waitlists, groups and peer-group matching (to come)."""
