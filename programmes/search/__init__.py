"""Site search over live, public programmes, modules and activities."""
