"""Surveys in cohorts: targets and triggers, invitations with single-use links, reminders,
answering by link, and results for staff with small cells suppressed (`selectors`, `exports`)."""
