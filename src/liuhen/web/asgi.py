"""The ASGI application each serving process of `liuhen serve` loads, made ready before it takes requests."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuhen.settings")
application = get_asgi_application()

from liuhen.search.segment import warm  # noqa: E402  (after Django is set up)

warm()  # the word-segmentation dictionary: loaded once per process here, not inside a request that needs it
