"""The project's URLs plus `/bench/no-work/`: a POST that passes the same middleware as an
application (session, CSRF, authentication) and redirects, the no-work baseline of
bench/enrolment.py."""

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.urls import path
from django.views.decorators.http import require_POST

from lms.urls import handler400, handler403, handler404, handler500  # noqa: F401
from lms.urls import urlpatterns as project_urlpatterns


@require_POST
def no_work(request):
    # Reading request.user loads the session and the user, as the apply view must.
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return HttpResponseRedirect("/")


urlpatterns = [path("bench/no-work/", no_work), *project_urlpatterns]
