"""The project's settings plus one URL the benchmark needs: the framework ceiling."""

from fablab.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# API throttling off: a real rate would refuse a load coming from one address, and a lifted
# one makes DRF keep the time of every request of the last minute (tens of thousands) in one
# cache entry, read and written on each request: a cost no real client ever causes.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {**REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": None, "user": None},  # noqa: F405
}
