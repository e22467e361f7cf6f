"""Celery finds an app's tasks in `<app>.tasks`; the curation app's live in its sub-packages.

Importing them here registers them. Task names stay as they were (`curation.<task>`), so beat
schedules and queued messages keep working across the move.
"""

from curation.agreement.tasks import *  # noqa: F401,F403
from curation.labelstudio.tasks import *  # noqa: F401,F403
from curation.reviewing.tasks import *  # noqa: F401,F403
