"""K's landing directory: one room per store, the interface they share, the all-or-nothing file set, and
the chooser that picks the store from `KADA_LANDING_URL`."""

from kada_dagster.core.landing.chooser import UrlLandingResource, landing_from_url, landing_resource_from_env
from kada_dagster.core.landing.file_set import land_file_set
from kada_dagster.core.landing.interface import LandedFile, Landing, LandingError, LandingResource
from kada_dagster.core.landing.local import LocalLanding

__all__ = ["LandedFile", "Landing", "LandingError", "LandingResource", "LocalLanding", "UrlLandingResource",
           "land_file_set", "landing_from_url", "landing_resource_from_env"]
