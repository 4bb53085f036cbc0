"""ASGI entry point: the same views over HTTP, plus ``/ws/whoami`` over WebSocket.

``daphne -b 127.0.0.1 -p 8000 portcullis_example.asgi:application`` (loopback only, as for
gunicorn: the identity headers are only trustworthy because no client reaches daphne directly).
"""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portcullis_example.settings")
http = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402 (after Django is set up)
from django.urls import path  # noqa: E402

from .consumers import WhoAmIConsumer  # noqa: E402

application = ProtocolTypeRouter({
    "http": http,
    "websocket": URLRouter([path("ws/whoami", WhoAmIConsumer.as_asgi())]),
})
