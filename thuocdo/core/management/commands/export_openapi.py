import json
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "In tài liệu OpenAPI của /api/v1 (được lưu tại docs/openapi.json và kiểm tra độ lệch trong test)."

    def handle(self, *args: Any, **options: Any) -> None:
        from thuocdo.config.api import api  # noqa: PLC0415

        schema = api.get_openapi_schema(path_prefix="/api/v1")
        self.stdout.write(json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True))
