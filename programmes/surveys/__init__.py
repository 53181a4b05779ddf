"""Survey pages on Wagtail's form builder: the extra field types (`forms`), answering and drafts
(`answering`), results aggregated in the database (`results`) and lessons-learned pages
(`panels` adds them to a programme's page)."""
