"""Operability: health checks for load balancers, Prometheus metrics, and request ids carried
through log lines and into the jobs a request queues (docs/deploy.md)."""
