from django.apps import AppConfig


class BenchAppConfig(AppConfig):
    name = "bench.benchapp"
    label = "benchapp"
    verbose_name = "Benchmark helpers"

    def ready(self) -> None:
        from django_q.signals import post_execute

        from bench.benchapp import tasks
        from lms import events

        events.register("bench.ping", tasks.ping_handler)
        post_execute.connect(tasks.task_finished, dispatch_uid="bench.task_finished")
