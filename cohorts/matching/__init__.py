"""Peer-group matching: the pure solver (`algorithm`), matching runs as jobs with progress,
comparison, adjustment and publishing (`services`), and their pages in the cohort desk (`desk`)."""
