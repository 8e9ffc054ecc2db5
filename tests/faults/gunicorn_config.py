"""gunicorn settings for the fault tests: Stripe's API is the local fake when one is given.

Set in the master before the workers fork, so the project's code is unchanged.
"""

import os

if os.environ.get("FAKE_STRIPE_URL"):
    import stripe

    stripe.api_base = os.environ["FAKE_STRIPE_URL"]
