import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("rounds")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every job runs under the request id of the request that queued it, and reports its duration
# and failures to the metrics store the web's /metrics reads.
from core.requestid import connect_celery_signals  # noqa: E402
from core.task_metrics import connect_task_metrics  # noqa: E402

connect_celery_signals()
connect_task_metrics()
