"""Working through a module: recording steps done, marking knowledge checks on the server and
completing a module (`services`), and the step-by-step module views (`views`)."""
