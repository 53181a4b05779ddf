"""Handlers of the events that issue certificates and of certificates' own events, registered
in CertificatesConfig.ready()."""


def register_all() -> None:
    pass
