"""Site search over programmes, modules and activities."""

urlpatterns: list = []
