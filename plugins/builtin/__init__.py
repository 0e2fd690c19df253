"""The plugins that ship with consentql, one concept per module (see `plugins.registry`)."""
