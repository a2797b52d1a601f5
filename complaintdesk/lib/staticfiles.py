"""Static files under long-lived content-hashed names, gzip-compressed at collectstatic time.

WhiteNoise serves a hashed name (plotly.min.<hash>.js) with a ten-year immutable cache and the
pre-compressed copy to any browser that accepts it. `complaintdesk serve` runs collectstatic
before gunicorn starts, so production always has the manifest. Where collectstatic has not run
(the test suite, `complaintdesk runserver` on a fresh checkout) or ran before a file was added,
the page links the plain name, which WhiteNoise still serves from the app directories
(WHITENOISE_USE_FINDERS): a missing manifest entry must never turn a page into a 500.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedCompressedStaticFiles(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def stored_name(self, name: str) -> str:
        try:
            return super().stored_name(name)
        except ValueError:
            # Not collected yet: hashing needs the collected file, so link the plain name.
            return name
