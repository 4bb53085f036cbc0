"""WSGI entry point: gunicorn --bind 127.0.0.1:8000 portcullis_example.wsgi"""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portcullis_example.settings")

application = get_wsgi_application()
