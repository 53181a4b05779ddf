"""From a certificate template to a PDF: the wording with placeholders (`wording`), the data
printed (`content`) and the reportlab drawing (`pdf`). Plain data in, bytes out."""
