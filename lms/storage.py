"""Where files live: the local disk by default (written whole or not at all), or an S3-compatible
bucket when STORAGE_URL or AWS_STORAGE_BUCKET_NAME is set; private files are handed out only
after a view has checked who may have them."""

import contextlib
import os
import secrets
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils._os import safe_makedirs
from django.utils.functional import LazyObject, cached_property, empty

S3_BACKEND = "storages.backends.s3.S3Storage"
# A signed address of a private file is only a way through the door the view has just opened:
# long enough for the browser to follow the redirect, too short to be worth passing around.
PRIVATE_URL_SECONDS = 120
# Public media addresses end up in cached pages: they must outlive the page cache by far.
MEDIA_URL_SECONDS = 6 * 3600


class StorageWriteError(OSError):
    """A file could not be written completely; nothing was kept under its name."""


class AtomicFileSystemStorage(FileSystemStorage):
    """Writes each file under a temporary name in the same folder, flushed to the disk, and
    moves it into place only when it is complete: a full disk or a crash never leaves an empty
    or cut-off file under the real name for a reader to find."""

    def _save(self, name, content):
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        try:
            if self.directory_permissions_mode is not None:
                safe_makedirs(directory, self.directory_permissions_mode, exist_ok=True)
            else:
                os.makedirs(directory, exist_ok=True)
        except OSError as error:
            raise StorageWriteError(
                error.errno, f"The folder for {name} cannot be made ({error.strerror})."
            ) from error
        temporary = os.path.join(directory, f".{secrets.token_hex(8)}.part")
        try:
            # 0o666 less the umask, as Django's own storage creates files.
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            with os.fdopen(fd, "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk.encode() if isinstance(chunk, str) else chunk)
                out.flush()
                os.fsync(out.fileno())
            if self.file_permissions_mode is not None:
                os.chmod(temporary, self.file_permissions_mode)
            full_path = self._move_into_place(temporary, name, full_path)
        except OSError as error:
            self._discard(temporary)
            if isinstance(error, StorageWriteError):
                raise
            raise StorageWriteError(
                error.errno,
                f"{name} could not be written ({error.strerror or error}); "
                "nothing was kept under that name.",
            ) from error
        except BaseException:
            self._discard(temporary)
            raise
        self._sync_directory(os.path.dirname(full_path))
        self._ensure_location_group_id(full_path)
        return os.path.relpath(full_path, self.location).replace("\\", "/")

    def _move_into_place(self, temporary: str, name: str, full_path: str) -> str:
        if self._allow_overwrite:
            os.replace(temporary, full_path)
            return full_path
        # A hard link fails when the name is taken meanwhile, as the stock storage's O_EXCL
        # does: then the next free name is tried.
        while True:
            try:
                os.link(temporary, full_path)
            except FileExistsError:
                name = self.get_available_name(name)
                full_path = self.path(name)
                continue
            os.unlink(temporary)
            return full_path

    @staticmethod
    def _discard(temporary: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)

    @staticmethod
    def _sync_directory(directory: str) -> None:
        """The new name reaches the disk too, not only the content."""
        try:
            fd = os.open(directory, os.O_RDONLY)
        except OSError:
            return
        try:
            with contextlib.suppress(OSError):
                os.fsync(fd)
        finally:
            os.close(fd)


class PrivateStorage(AtomicFileSystemStorage):
    """Files only their owner and staff may fetch (certificate PDFs, data exports) on the local
    disk under PRIVATE_ROOT, never under MEDIA_URL. Their names are chosen by the code, never by
    an uploader, so a name written again is the same document rendered again and replaces it.
    Follows PRIVATE_ROOT even when it changes after start-up (as tests do), the way the stock
    storage follows MEDIA_ROOT."""

    def __init__(self, **kwargs):
        kwargs.setdefault("base_url", None)
        kwargs.setdefault("allow_overwrite", True)
        super().__init__(**kwargs)

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_ROOT)

    @cached_property
    def location(self):
        return os.path.abspath(self.base_location)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)


class _PrivateStorage(LazyObject):
    """`storages["private"]` looked up when first used, and again after STORAGES changes: file
    fields keep the storage object they were given at start-up."""

    def _setup(self):
        self._wrapped = storages["private"]


private_storage = _PrivateStorage()


def _storages_changed(*, setting, **kwargs):
    if setting == "STORAGES":
        private_storage._wrapped = empty


setting_changed.connect(_storages_changed)


def private_file_response(fieldfile, *, content_type: str, disposition: str) -> HttpResponse | None:
    """A private file for someone a view has already let through: streamed from the local disk,
    or from object storage a redirect to a signed address that lives as long as the private
    storage's setting says (two minutes by default): any web node can answer, and no worker is
    held while the file travels. None when the file is not there."""
    storage = fieldfile.storage
    if isinstance(storage, FileSystemStorage):
        try:
            handle = fieldfile.open("rb")
        except OSError:
            return None
        response = FileResponse(handle, content_type=content_type)
        response["Content-Disposition"] = disposition
        return response
    if not fieldfile.name or not storage.exists(fieldfile.name):
        return None
    url = storage.url(
        fieldfile.name,
        parameters={
            "ResponseContentType": content_type,
            "ResponseContentDisposition": disposition,
            "ResponseCacheControl": "private, no-store",
        },
    )
    return HttpResponseRedirect(url)


# --- Settings -----------------------------------------------------------------------------------


def _seconds(value: str, what: str) -> int:
    try:
        seconds = int(value)
    except ValueError:
        seconds = 0
    if seconds <= 0:
        raise ImproperlyConfigured(f"{what} must be a whole number of seconds above 0.")
    return seconds


def object_storages(url: str = "", environ=None) -> dict:
    """The "default" (public media) and "private" entries of STORAGES for an S3-compatible
    bucket, from STORAGE_URL (`s3://KEY:SECRET@host:port/bucket?region=…&secure=0`) or, when it
    is empty, from AWS_STORAGE_BUCKET_NAME and its neighbours; {} when neither is set (the local
    disk stays). See docs/deploy.md, "Files and object storage"."""
    environ = os.environ if environ is None else environ
    if url:
        parts = urlsplit(url)
        if parts.scheme != "s3":
            raise ImproperlyConfigured("STORAGE_URL must start with s3://")
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        unknown = set(query) - {
            "region",
            "secure",
            "private_bucket",
            "media_domain",
            "media_expiry",
            "private_expiry",
        }
        if unknown:
            raise ImproperlyConfigured(f"STORAGE_URL: unknown option {sorted(unknown)[0]}.")
        bucket = parts.path.strip("/")
        secure = query.get("secure", "1").lower() not in {"0", "false", "no", "off"}
        endpoint = ""
        if parts.hostname:
            host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
            port = f":{parts.port}" if parts.port else ""
            endpoint = f"{'https' if secure else 'http'}://{host}{port}"
        config = {
            "bucket": bucket,
            "private_bucket": query.get("private_bucket", "") or bucket,
            "endpoint": endpoint,
            "region": query.get("region", ""),
            "access_key": unquote(parts.username or ""),
            "secret_key": unquote(parts.password or ""),
            "media_domain": query.get("media_domain", ""),
            "media_expiry": query.get("media_expiry", ""),
            "private_expiry": query.get("private_expiry", ""),
        }
    elif environ.get("AWS_STORAGE_BUCKET_NAME"):
        bucket = environ["AWS_STORAGE_BUCKET_NAME"]
        config = {
            "bucket": bucket,
            "private_bucket": environ.get("AWS_PRIVATE_STORAGE_BUCKET_NAME", "") or bucket,
            "endpoint": environ.get("AWS_S3_ENDPOINT_URL", ""),
            "region": environ.get("AWS_S3_REGION_NAME", ""),
            # Empty: boto3 finds the credentials itself (AWS_ACCESS_KEY_ID and
            # AWS_SECRET_ACCESS_KEY, a profile, or the machine's role).
            "access_key": "",
            "secret_key": "",
            "media_domain": environ.get("AWS_S3_CUSTOM_DOMAIN", ""),
            "media_expiry": environ.get("AWS_MEDIA_URL_SECONDS", ""),
            "private_expiry": environ.get("AWS_PRIVATE_URL_SECONDS", ""),
        }
    else:
        return {}
    if not config["bucket"]:
        raise ImproperlyConfigured("The object storage needs a bucket name.")
    media_expiry = (
        _seconds(config["media_expiry"], "The media address lifetime")
        if config["media_expiry"]
        else MEDIA_URL_SECONDS
    )
    private_expiry = (
        _seconds(config["private_expiry"], "The private address lifetime")
        if config["private_expiry"]
        else PRIVATE_URL_SECONDS
    )
    common = {
        "signature_version": "s3v4",
        # Never a public ACL: objects stay readable by the bucket's owner only, and everyone
        # else gets a signed address (or the media domain's own rules).
        "default_acl": None,
    }
    if config["endpoint"]:
        common["endpoint_url"] = config["endpoint"]
        # Host-and-port endpoints (MinIO, Ceph, Garage, a test server) rarely resolve bucket
        # sub-domains.
        common["addressing_style"] = "path"
    if config["region"]:
        common["region_name"] = config["region"]
    if config["access_key"]:
        common["access_key"] = config["access_key"]
        common["secret_key"] = config["secret_key"]
    media = {
        **common,
        "bucket_name": config["bucket"],
        "location": "media",
        # Two editors uploading "photo.jpg" keep two images.
        "file_overwrite": False,
        "querystring_expire": media_expiry,
    }
    if config["media_domain"]:
        media["custom_domain"] = config["media_domain"]
        media["querystring_auth"] = False
    private = {
        **common,
        "bucket_name": config["private_bucket"],
        "location": "private",
        "file_overwrite": True,
        "querystring_auth": True,
        "querystring_expire": private_expiry,
    }
    return {
        "default": {"BACKEND": S3_BACKEND, "OPTIONS": media},
        "private": {"BACKEND": S3_BACKEND, "OPTIONS": private},
    }


__all__ = [
    "AtomicFileSystemStorage",
    "PrivateStorage",
    "StorageWriteError",
    "object_storages",
    "private_file_response",
    "private_storage",
]
