"""A WebSocket endpoint behind Portcullis (Django Channels, served by daphne).

Portcullis verifies the client certificate during the TLS handshake, passes the upgrade request
through the same rules as any request (identity headers replaced, tokens in the URL refused),
and tunnels the WebSocket after the 101. The identity arrives as headers of the upgrade request,
in ``scope["headers"]``, and holds for the whole connection.
"""
import json

from channels.generic.websocket import WebsocketConsumer

from .identity import asgi_meta, certificate_required, configured_headers, identity_from_meta

#: RFC 6455 leaves 4000-4999 to applications; 4403 reads as "forbidden".
CLOSE_FORBIDDEN = 4403


class WhoAmIConsumer(WebsocketConsumer):
    """Sends the client's identity as the first message, then echoes every message."""

    def connect(self):
        identity, _ = identity_from_meta(asgi_meta(self.scope), configured_headers(), certificate_required())
        if identity is None:
            # refuses the handshake: daphne answers 403, no tunnel opens
            self.close(code=CLOSE_FORBIDDEN)
            return
        self.accept()
        self.send(text_data=json.dumps(identity.as_dict()))

    def receive(self, text_data=None, bytes_data=None):
        self.send(text_data=text_data, bytes_data=bytes_data)
