"""The ASGI application as tests serve it with uvicorn: static files through Django's
staticfiles handler (test settings run with DEBUG off and no collectstatic), everything
else — pages and chat sockets — through commerce_platform.asgi."""

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

from commerce_platform.asgi import application as _application

application = ASGIStaticFilesHandler(_application)
