from django.http import JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def whoami(request):
    """The identity Portcullis verified for this request's connection."""
    return JsonResponse(request.client_identity.as_dict())
