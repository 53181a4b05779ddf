"""Wagtail pages of the programmes (index, programme, module, activity), their blocks and admin
forms, the read-side queries pages use (`selectors`) and the read-only catalogue API (`api`)."""
