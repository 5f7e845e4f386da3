from django.http import HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from .services import widget_lifecycle


@csrf_exempt
def widget_lifecycle_view(request):
    """A storefront-style write: insert, update and delete one widget."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    widget_id = widget_lifecycle(name=request.POST["name"])
    return HttpResponse(str(widget_id))
