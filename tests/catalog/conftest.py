import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded and generated images go to a temporary MEDIA_ROOT, never the shared one."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
