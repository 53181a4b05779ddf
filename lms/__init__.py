"""Project package and shared kernel: settings, people, events and e-mail outbox."""
