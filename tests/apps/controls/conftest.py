"""Evidence uploads in the alert tests go to a temporary MEDIA_ROOT."""

import pytest


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
