"""Periodic jobs: what a cron or systemd timer runs through `manage.py run_periodic_jobs`.

Apps register their jobs in AppConfig.ready(). Every job must be idempotent:
running it twice in a row changes nothing the second time.
"""

_jobs = {}


def register_job(name, job):
    """`job()` does its work and returns a short summary (a number or a string)."""
    _jobs[name] = job


def jobs():
    return dict(sorted(_jobs.items()))
