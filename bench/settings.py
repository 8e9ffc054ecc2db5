"""The project's settings plus one URL the benchmark needs: the framework ceiling."""

from fablab.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
