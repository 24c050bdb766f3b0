import pytest

from tests.messaging.sink import SmtpSink


@pytest.fixture
def smtp_sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()
