"""The site's home page, the StreamField blocks every page type extends (`blocks`), and the
whole-response cache of anonymous page views (`cache`)."""
