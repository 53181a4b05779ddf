"""A person's own data: the registry every app adds its part to (`services`: export and erasure),
the kernel's own part (`providers`), the My data pages and the admin for privacy notices."""
