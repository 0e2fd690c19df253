"""The only layer that knows tables. Imports neither `plugins` nor `api`."""

# Tortoise discovers models module by module; every module with models is listed here.
MODEL_MODULES = [
    "models.keys",
    "models.accounts",
    "models.phone_codes",
    "models.orders",
    "models.reservations",
    "models.consent",
    "models.audit",
    "models.privacy",
    "models.partners",
    "models.throttle",
    "models.jobs",
    "models.documents",
]
