"""No form changes data from another site: a POST without the CSRF token is refused at every URL
the project defines, whoever is logged in, and nothing in the database changes."""

import pathlib

from django.test import Client

from tests.security.urlconf import project_urls, url_for
from tests.security.world import database_state

# URLs that take no POST at all, and why they need no token.
NO_POST = {
    # The read-only catalogue API: Django REST framework checks the token only for logged-in
    # sessions (403) and refuses the method otherwise (405).
    "wagtailapi:pages:listing": (403, 405),
    "wagtailapi:pages:detail": (403, 405),
    "wagtailapi:pages:find": (403, 405),
    # Health checks and metrics for machines, answered before sessions and the CSRF check: they
    # change nothing and refuse every method but GET and HEAD (the metrics as an unknown address).
    "health_live": (405,),
    "health_ready": (405,),
    "metrics": (404,),
}

# Places that switch Django's CSRF check off, and the reason each is safe.
CSRF_EXEMPT = {
    # The verify page's upload: exempted only so that its size-limited upload handler is in
    # place before the body is read; the view checks the token itself (csrf_protect) after.
    "certificates/views.py": 1,
}


def test_every_url_refuses_a_post_without_the_token(world):
    clients = {}
    for role in ("anonymous", "administrator", "owner"):
        clients[role] = Client(enforce_csrf_checks=True)
        if world.users[role] is not None:
            clients[role].force_login(world.users[role])  # (records the login time)
    before = database_state()
    refused = []
    for role, client in clients.items():
        for url in project_urls():
            address = url_for(world, url)
            response = client.post(address, {"answer": "accept", "action": "submit"})
            if response.status_code not in NO_POST.get(url.name, (403,)):
                refused.append(f"{role:14} POST {address}: {response.status_code}")
    assert not refused, "Cross-site POSTs not refused:\n" + "\n".join(refused)
    assert database_state() == before


def test_csrf_is_switched_off_only_where_justified():
    root = pathlib.Path(__file__).resolve().parents[2]
    found = {}
    for app in ("lms", "programmes", "cohorts", "certificates"):
        for path in (root / app).rglob("*.py"):
            uses = path.read_text(encoding="utf-8").count("@csrf_exempt")
            if uses:
                found[str(path.relative_to(root))] = uses
    assert found == CSRF_EXEMPT


def test_the_security_contact_is_published(client, settings):
    settings.SECURITY_CONTACT = "security@bsr-academy.example.eu"
    response = client.get("/.well-known/security.txt")
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Contact: mailto:security@bsr-academy.example.eu" in lines
    assert any(line.startswith("Expires: ") for line in lines)
