from django.http import HttpResponseBadRequest, JsonResponse


class RejectNulBytesMiddleware:
    """A NUL byte in the path or the query string is never legitimate, and PostgreSQL
    refuses it in text parameters (a 500 if it reached a query): answer 400 at the door."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            message = "Bad request: the address contains a NUL character."
            if request.path.startswith("/api/"):  # the API's errors are JSON, as documented
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
