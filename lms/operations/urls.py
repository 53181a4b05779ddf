"""The addresses of the health checks and metrics. OperationsMiddleware answers them first; these
patterns name them for reverse() and the role x URL matrix."""

from django.urls import path

from lms.operations import health, metrics

urlpatterns = [
    path("health/live", health.live, name="health_live"),
    path("health/ready", health.ready, name="health_ready"),
    path("metrics", metrics.metrics, name="metrics"),
]
