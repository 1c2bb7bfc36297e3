"""Notices to citizens' phones: on the open phone page, and by SMS through a gateway adapter (opt-in)."""
