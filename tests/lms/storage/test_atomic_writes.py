"""Files on the local disk are written whole or not at all: a write that fails part-way (a full
disk, a folder in the way) leaves nothing under the file's name, says plainly what failed, and
the next attempt succeeds; a file already there stays as it was until its replacement is
complete."""

import contextlib
import io
import resource
import signal

import pytest
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage, storages
from pypdf import PdfReader

from certificates.models import Certificate, CertificateKind, CertificateSource, CertificateState
from certificates.services import certificate_issue, certificate_render
from lms.storage import StorageWriteError
from tests.certificates.conftest import (  # noqa: F401 (fixtures)
    clock,
    home,
    make_cohort,
    make_person,
    make_programme,
    programme,
    programme_index,
    staff,
)
from tests.certificates.issuing import completed_in, make_template

pytestmark = pytest.mark.django_db

NAME = "certificates/2026/05/certificate-7.pdf"


class DyingSource(io.RawIOBase):
    """Gives `good` bytes, then fails as a disk or a client can."""

    def __init__(self, good: int):
        self.left = good

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.left <= 0:
            raise OSError(28, "No space left on device")
        n = min(len(buffer), self.left, 1000)
        buffer[:n] = b"x" * n
        self.left -= n
        return n


@pytest.fixture
def private_root(settings, tmp_path):
    """A private folder of this test alone."""
    settings.PRIVATE_ROOT = tmp_path / "private"
    return settings.PRIVATE_ROOT


def everything_under(root) -> list[str]:
    """Every file, hidden temporary ones included."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@contextlib.contextmanager
def disk_full_after(size: int):
    """Files of this process cannot grow past `size` bytes, as on a full disk: a write past it
    fails (EFBIG) after the bytes that fitted are written."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def test_a_write_that_fails_part_way_leaves_nothing_under_the_name(private_root):
    storage = storages["private"]

    with pytest.raises(StorageWriteError) as raised:
        storage.save(NAME, File(DyingSource(good=5000)))

    assert everything_under(private_root) == []
    message = str(raised.value)
    assert NAME in message and "nothing was kept" in message
    assert str(private_root) not in message  # no server path for whoever reads it


def test_a_failed_rewrite_keeps_the_complete_file_that_was_there(private_root):
    storage = storages["private"]
    storage.save(NAME, ContentFile(b"%PDF-1.7 the first complete rendering"))

    with pytest.raises(StorageWriteError):
        storage.save(NAME, File(DyingSource(good=3000)))

    assert everything_under(private_root) == [NAME]
    with storage.open(NAME) as handle:
        assert handle.read() == b"%PDF-1.7 the first complete rendering"
    assert storage.save(NAME, ContentFile(b"%PDF-1.7 the second")) == NAME
    with storage.open(NAME) as handle:
        assert handle.read() == b"%PDF-1.7 the second"


def test_a_folder_replaced_by_a_file_is_a_clear_error_and_creates_nothing(private_root):
    (private_root / "certificates" / "2026").mkdir(parents=True)
    (private_root / "certificates" / "2026" / "05").write_bytes(b"")

    with pytest.raises(StorageWriteError) as raised:
        storages["private"].save(NAME, ContentFile(b"%PDF-1.7"))

    assert everything_under(private_root) == ["certificates/2026/05"]
    assert "cannot be made" in str(raised.value)


def test_uploads_with_one_name_keep_both_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"

    first = default_storage.save("original_images/harbour.png", ContentFile(b"first"))
    second = default_storage.save("original_images/harbour.png", ContentFile(b"second"))

    assert first == "original_images/harbour.png" and second != first
    assert everything_under(tmp_path / "media") == sorted([first, second])
    assert [default_storage.open(n).read() for n in (first, second)] == [b"first", b"second"]


# --- a certificate's PDF on a full disk (fault 7) ----------------------------------------------


@pytest.fixture
def pending(private_root, make_cohort, make_person, staff):  # noqa: F811
    """An issued certificate whose rendering job has not run yet."""
    cohort = make_cohort(title="BEP 2026 — Finnish presidency", slug="bep-2026")
    person = make_person("LV", full_name="Jānis Bērziņš")
    completed_in(cohort, person)
    make_template(CertificateKind.PROGRAMME)
    certificate = certificate_issue(
        user=person, cohort=cohort, source=CertificateSource.MANUAL, requested_by=staff
    )
    assert certificate.state == CertificateState.PENDING
    return certificate


def rendered_text(certificate: Certificate) -> str:
    with certificate.pdf.open("rb") as handle:
        return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(handle.read())).pages)


def test_a_full_disk_leaves_no_empty_or_cut_off_certificate_and_the_next_render_succeeds(
    pending, private_root
):
    with disk_full_after(4096), contextlib.suppress(OSError):
        certificate_render(certificate_id=pending.pk)

    assert everything_under(private_root) == []
    assert Certificate.objects.get(pk=pending.pk).state != CertificateState.ISSUED

    certificate_render(certificate_id=pending.pk)

    certificate = Certificate.objects.get(pk=pending.pk)
    assert certificate.state == CertificateState.ISSUED
    assert everything_under(private_root) == [certificate.pdf.name]
    assert "Jānis Bērziņš" in rendered_text(certificate)


def test_a_folder_in_the_way_fails_the_render_and_the_next_one_succeeds(pending, private_root):
    month = private_root / "certificates" / f"{pending.issued_at:%Y}" / f"{pending.issued_at:%m}"
    month.parent.mkdir(parents=True)
    month.write_bytes(b"")

    certificate_render(certificate_id=pending.pk)

    failed = Certificate.objects.get(pk=pending.pk)
    assert failed.state == CertificateState.PENDING
    # Staff read plain words; the detail is kept for administrators, without the server path.
    assert failed.render_problem and str(private_root) not in failed.render_problem
    month.unlink()
    certificate_render(certificate_id=pending.pk)
    certificate = Certificate.objects.get(pk=pending.pk)
    assert certificate.state == CertificateState.ISSUED
    assert "Jānis Bērziņš" in rendered_text(certificate)
