"""Read what the development SMS backend wrote (SMS_FILE_PATH, one JSON line per message),
for the /dev/sms/ viewer."""

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings

from mobile import conf
from mobile.segments import SmsLength, sms_length


@dataclass(frozen=True)
class DevSms:
    sid: str
    to: str
    body: str
    kind: str
    sent_at: datetime | None

    @property
    def length(self) -> SmsLength:
        return sms_length(self.body)


def dev_sms_enabled() -> bool:
    return conf.sms_backend() == "mobile.sms.FileSmsBackend"


def dev_sms_directory() -> Path:
    return Path(conf.sms_file_path() or Path(settings.VAR_DIR) / "sms")


def _parse(line: str) -> DevSms | None:
    try:
        data = json.loads(line)
        sent_at = datetime.fromisoformat(data.get("sent_at", "")) if data.get("sent_at") else None
        return DevSms(str(data["sid"]), str(data["to"]), str(data["body"]), str(data.get("kind", "")), sent_at)
    except (ValueError, KeyError, TypeError):
        return None


def dev_sms_list(*, limit: int = 200) -> list[DevSms]:
    """Newest first."""
    directory = dev_sms_directory()
    if not directory.is_dir():
        return []
    found: list[DevSms] = []
    for path in sorted(directory.glob("*.jsonl"), reverse=True):
        lines = path.read_text(encoding="utf-8").splitlines()
        found.extend(sms for sms in map(_parse, reversed(lines)) if sms is not None)
        if len(found) >= limit:
            break
    return found[:limit]
