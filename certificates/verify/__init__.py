"""Public verification: the codes printed on certificates (`codes`), the forms that take a code or
a PDF (`forms`) and the per-client look-up limit (`ratelimit`)."""
