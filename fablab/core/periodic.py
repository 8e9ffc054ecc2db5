"""Periodic jobs: what a cron or systemd timer runs through `manage.py run_periodic_jobs`.

Apps register their jobs in AppConfig.ready(). Every job must be idempotent:
running it twice in a row changes nothing the second time.

The command runs the jobs in its own process, or with `--enqueue` hands each to
the task worker through `run_job` (Django's Tasks API; `manage.py db_worker`
with django-tasks-db in production).
"""

from django.tasks import task

_jobs = {}


def register_job(name, job):
    """`job()` does its work and returns a short summary (a number or a string)."""
    _jobs[name] = job


def jobs():
    return dict(sorted(_jobs.items()))


@task()
def run_job(name):
    """One registered job as a background task; returns its summary as text."""
    return str(_jobs[name]())
