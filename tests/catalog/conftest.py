import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded and generated images go to a temporary MEDIA_ROOT, never the shared one."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Redis is flushed per test; the per-process memo and page tier must start empty too."""
    from catalog.cache import _memo
    from catalog.page_cache import local_page_cache_clear

    _memo.clear()
    local_page_cache_clear()
    yield
