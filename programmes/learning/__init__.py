"""My learning and the upcoming-activities listing, with the panels other apps add to them."""
