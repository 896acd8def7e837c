"""Uploads beyond the type check: hostile files, metadata, pixel bombs, active PDFs and the hourly limit."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import struct
import zlib

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image, ImageFile
from pypdf import PdfReader, PdfWriter

from incidents.files import evidence_file_check
from incidents.models import EvidenceFile, Report
from incidents.services import UploadLimitReached, report_add_evidence
from policies.services import register_load
from tests.factories import ReportFactory
from tests.samples import jpeg_bytes, pdf_bytes, png_bytes, report_form_data, upload

pytestmark = pytest.mark.django_db

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture(autouse=True)
def _policy_register(db) -> None:
    register_load()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def _send_report(client, *files, follow: bool = False, **changes):
    data = report_form_data(screenshots=list(files), **changes)
    return client.post(reverse("incidents:report_create"), data, follow=follow)


def _errors(response) -> str:
    return " ".join(response.context["form"].errors.get("screenshots", []))


def _stored(evidence: EvidenceFile) -> bytes:
    with evidence.file.open("rb") as handle:
        return handle.read()


def _refused(response, *words: str) -> None:
    assert response.status_code == 200
    message = _errors(response)
    for word in words:
        assert word in message, message
    assert Report.objects.count() == 0
    assert EvidenceFile.objects.count() == 0


# --------------------------------------------------------------------------- disguised files


def test_a_png_header_followed_by_html_is_refused(login, reporter) -> None:
    fake = b"\x89PNG\r\n\x1a\n" + HTML
    _refused(
        _send_report(login(reporter), upload("screenshot.png", fake, "image/png")),
        "screenshot.png",
        "can't be read",
    )


def test_an_svg_is_refused_whatever_it_is_called(login, reporter) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>'
    _refused(
        _send_report(login(reporter), upload("shot.png", svg, "image/png")),
        "shot.png",
        "not a PNG, JPEG or PDF",
    )
    _refused(_send_report(login(reporter), upload("shot.svg", svg, "image/svg+xml")), "shot.svg")


def test_html_renamed_png_is_refused(login, reporter) -> None:
    _refused(
        _send_report(login(reporter), upload("post.png", HTML, "image/png")),
        "post.png",
        "not a PNG, JPEG or PDF",
    )


def test_html_after_the_end_of_a_real_png_is_not_kept(login, reporter) -> None:
    """A real picture with a web page stuck after its end is accepted, but only the picture is kept."""
    picture = png_bytes(6, 4)
    response = _send_report(login(reporter), upload("shot.png", picture + HTML, "image/png"))
    assert response.status_code == 302
    evidence = EvidenceFile.objects.get()
    stored = _stored(evidence)
    assert b"<html" not in stored.lower() and b"script" not in stored.lower()
    assert stored.endswith(b"IEND\xaeB`\x82")
    assert evidence.sha256 == hashlib.sha256(stored).hexdigest() and evidence.size == len(stored)
    with Image.open(io.BytesIO(stored)) as kept, Image.open(io.BytesIO(picture)) as sent:
        assert kept.convert("RGB").tobytes() == sent.convert("RGB").tobytes()


def test_text_chunks_inside_a_png_are_not_kept(login, reporter) -> None:
    picture = png_bytes(3, 3)
    iend = picture.index(b"\x00\x00\x00\x00IEND")
    text = _chunk(b"tEXt", b"Comment\x00" + HTML)
    xmp = _chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + HTML)
    with_text = picture[:iend] + text + xmp + picture[iend:]
    _send_report(login(reporter), upload("shot.png", with_text, "image/png"))
    stored = _stored(EvidenceFile.objects.get())
    assert b"tEXt" not in stored and b"iTXt" not in stored and b"script" not in stored


def _phone_photo() -> bytes:
    """A JPEG as a phone takes it: sideways, with the phone's make, where it was taken, XMP and a comment."""
    photo = Image.new("RGB", (40, 20), (200, 40, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Orientation] = 6  # stored sideways, shown turned 90° clockwise
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 11.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (2.0, 13.0, 0.0)
    out = io.BytesIO()
    photo.save(
        out,
        "JPEG",
        exif=exif,
        comment=b"Taken at 14 Larkspur Close",
        xmp=b"<x:xmpmeta>Larkspur</x:xmpmeta>",
    )
    return out.getvalue()


def test_a_phone_photo_loses_its_location_and_every_other_hidden_detail(login, reporter) -> None:
    photo = _phone_photo()
    with Image.open(io.BytesIO(photo)) as sent:  # the test's own photo really carries them
        assert sent.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] == (
            52.0,
            11.0,
            30.0,
        )
    response = _send_report(login(reporter), upload("IMG_0001.jpg", photo, "image/jpeg"))
    assert response.status_code == 302
    evidence = EvidenceFile.objects.get()
    stored = _stored(evidence)
    with Image.open(io.BytesIO(stored)) as kept:
        assert kept.format == "JPEG"
        assert not kept.getexif() and not kept.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "comment" not in kept.info and "xmp" not in kept.info and "exif" not in kept.info
        assert kept.size == (
            20,
            40,
        )  # turned upright, since the tag that said how to turn it is gone
    for trace in (b"Exif", b"PhoneMaker", b"Larkspur", b"xmpmeta"):
        assert trace not in stored
    assert evidence.content_type == "image/jpeg"
    assert (
        evidence.sha256 == hashlib.sha256(stored).hexdigest() != hashlib.sha256(photo).hexdigest()
    )


def test_the_receipt_shows_the_fingerprint_of_the_file_as_kept(login, reporter) -> None:
    client = login(reporter)
    response = _send_report(
        client, upload("IMG_0001.jpg", _phone_photo(), "image/jpeg"), follow=True
    )
    evidence = EvidenceFile.objects.get()
    page = response.content.decode()
    assert evidence.sha256 in page
    download = client.get(reverse("incidents:evidence_download", args=[evidence.pk]))
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == evidence.sha256


def test_the_check_records_the_fingerprint_of_what_was_received_as_well() -> None:
    photo = _phone_photo()
    checked = evidence_file_check(upload("a.jpg", photo))
    assert checked.received_sha256 == hashlib.sha256(photo).hexdigest()
    assert checked.received_size == len(photo)
    assert checked.sha256 == hashlib.sha256(checked.content.read()).hexdigest()


# --------------------------------------------------------------------------- pixel limits


def _png_claiming(width: int, height: int) -> bytes:
    """A real black-and-white PNG of the given size: a few kilobytes that decode to width × height bytes."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


def test_a_20000_by_20000_picture_is_refused_without_being_decoded(
    login, reporter, monkeypatch
) -> None:
    bomb = _png_claiming(20_000, 20_000)
    assert len(bomb) < 200_000  # small on the wire, 400 million pixels once decoded
    decoded: list[object] = []
    real_load = ImageFile.ImageFile.load

    def load_watched(self):
        decoded.append(self)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load_watched)
    _refused(
        _send_report(login(reporter), upload("bomb.png", bomb, "image/png")),
        "bomb.png",
        "too many pixels",
        "16,384 pixels on each side",
        "40 million pixels",
    )
    assert decoded == []


def test_a_picture_longer_than_the_side_limit_is_refused_with_its_size(login, reporter) -> None:
    _refused(
        _send_report(login(reporter), upload("scroll.png", _png_claiming(10, 17_000), "image/png")),
        "scroll.png",
        "10 × 17,000 pixels",
        "at most 16,384 pixels on each side",
    )


def test_the_pixel_limits_follow_the_settings(login, reporter, settings) -> None:
    settings.EVIDENCE_MAX_IMAGE_PIXELS = 1_000_000
    _refused(
        _send_report(login(reporter), upload("wide.png", _png_claiming(1_500, 1_000), "image/png")),
        "1,500 × 1,000 pixels",
        "1 million pixels",
    )
    settings.EVIDENCE_MAX_IMAGE_PIXELS = 2_000_000
    assert (
        _send_report(
            login(reporter), upload("wide.png", _png_claiming(1_500, 1_000), "image/png")
        ).status_code
        == 302
    )


def test_a_damaged_jpeg_is_refused(login, reporter) -> None:
    cut = jpeg_bytes(64, 64)[:200]
    _refused(
        _send_report(login(reporter), upload("cut.jpg", cut, "image/jpeg")),
        "cut.jpg",
        "can't be read",
    )


# --------------------------------------------------------------------------- PDFs

JS_ACTION = "4 0 obj\n<</S/JavaScript/JS(app.alert('hello'))>>\nendobj"


def _pdf_with_object_stream(hidden: str) -> bytes:
    """A PDF 1.5 whose action object is compressed inside an object stream, so its bytes never show it."""
    out = b"%PDF-1.7\n"
    offsets: dict[int, int] = {}
    plain = {
        1: "<</Type/Catalog/Pages 2 0 R/OpenAction 5 0 R>>",
        2: "<</Type/Pages/Kids[3 0 R]/Count 1>>",
        3: "<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>",
    }
    for number, body in plain.items():
        offsets[number] = len(out)
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    header = b"5 0 "
    packed = zlib.compress(header + hidden.encode())
    offsets[4] = len(out)
    out += (
        f"4 0 obj\n<</Type/ObjStm/N 1/First {len(header)}/Filter/FlateDecode/Length {len(packed)}>>\nstream\n".encode()
        + packed
        + b"\nendstream\nendobj\n"
    )
    offsets[6] = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 1, offsets[n], 0) for n in (1, 2, 3, 4)]
    rows += [struct.pack(">BIH", 2, 4, 0), struct.pack(">BIH", 1, offsets[6], 0)]
    table = b"".join(rows)
    out += (
        f"6 0 obj\n<</Type/XRef/Size 7/W[1 4 2]/Root 1 0 R/Length {len(table)}>>\nstream\n".encode()
        + table
        + b"\nendstream\nendobj\n"
    )
    out += f"startxref\n{offsets[6]}\n%%EOF\n".encode()
    return out


@pytest.mark.parametrize(
    ("label", "content", "shown"),
    [
        (
            "javascript on opening",
            pdf_bytes(extra_catalog="/OpenAction 4 0 R", objects=JS_ACTION),
            "JavaScript",
        ),
        (
            "document-level javascript",
            pdf_bytes(
                extra_catalog="/Names<</JavaScript 4 0 R>>",
                objects="4 0 obj\n<</Names[(hi) 5 0 R]>>\nendobj\n\n5 0 obj\n<</S/JavaScript/JS 6 0 R>>\nendobj\n\n"
                "6 0 obj\n<</Length 16>>\nstream\napp.alert('hi');\nendstream\nendobj",
            ),
            "JavaScript",
        ),
        (
            "launch action",
            pdf_bytes(
                extra_catalog="/OpenAction 4 0 R",
                objects="4 0 obj\n<</S/Launch/F(cmd.exe)>>\nendobj",
            ),
            "opens other programs",
        ),
        (
            "name written with #xx escapes",
            pdf_bytes(
                extra_catalog="/OpenAction 4 0 R",
                objects="4 0 obj\n<</S/J#61vaScript/J#53(app.alert(1))>>\nendobj",
            ),
            "JavaScript",
        ),
        (
            "attached file",
            pdf_bytes(
                extra_catalog="/Names<</EmbeddedFiles 4 0 R>>",
                objects="4 0 obj\n<</Names[]>>\nendobj",
            ),
            "files attached inside it",
        ),
        (
            "additional actions",
            pdf_bytes(extra_catalog="/AA<</WC 4 0 R>>", objects=JS_ACTION),
            "run by themselves",
        ),
        (
            "opening a web address",
            pdf_bytes(extra_catalog="/OpenAction<</S/URI/URI(https://example.org/)>>"),
            "run by themselves",
        ),
        (
            "rich media",
            pdf_bytes(objects="4 0 obj\n<</Type/Annot/Subtype/RichMedia>>\nendobj"),
            "embedded media",
        ),
        (
            "xfa form",
            pdf_bytes(
                extra_catalog="/AcroForm<</Fields[]/XFA 4 0 R>>", objects="4 0 obj\n<<>>\nendobj"
            ),
            "XFA",
        ),
        (
            "javascript hidden in a compressed object stream",
            _pdf_with_object_stream("<</S/JavaScript/JS(app.alert(1))>>"),
            "JavaScript",
        ),
        (
            "javascript in an object nothing points to",
            pdf_bytes(objects="4 0 obj\n<</S/J#61vaScript/J#53(app.alert(1))>>\nendobj"),
            "JavaScript",
        ),
    ],
)
def test_a_pdf_that_would_act_by_itself_is_refused(login, reporter, label, content, shown) -> None:
    _refused(
        _send_report(login(reporter), upload("letter.pdf", content, "application/pdf")),
        "letter.pdf",
        "Print it to a new PDF",
        shown,
    )


def test_the_object_stream_really_hides_the_script_from_a_byte_scan() -> None:
    hidden = _pdf_with_object_stream("<</S/JavaScript/JS(app.alert(1))>>")
    assert b"JavaScript" not in hidden and b"alert" not in hidden


def test_a_plain_pdf_is_accepted_and_kept_exactly_as_sent(login, reporter) -> None:
    content = pdf_bytes(extra_catalog="/OpenAction[3 0 R/Fit]")
    response = _send_report(login(reporter), upload("letter.pdf", content, "application/pdf"))
    assert response.status_code == 302
    evidence = EvidenceFile.objects.get()
    assert _stored(evidence) == content
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.content_type == "application/pdf"


def test_a_pdf_that_cannot_be_read_is_refused(login, reporter) -> None:
    _refused(
        _send_report(
            login(reporter), upload("broken.pdf", b"%PDF-1.7\n" + b"\x00" * 200, "application/pdf")
        ),
        "broken.pdf",
        "can't be read as a PDF",
    )


def _encrypted(content: bytes, *, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(content)))
    writer.encrypt(user_password=user_password, owner_password="owner-only", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_that_needs_a_password_is_refused_and_one_that_opens_without_is_checked(
    login, reporter
) -> None:
    locked = _encrypted(pdf_bytes(), user_password="secret")
    _refused(
        _send_report(login(reporter), upload("locked.pdf", locked, "application/pdf")),
        "locked.pdf",
        "password-protected",
    )
    # Opens without a password (only printing or copying restricted): checked like any other, script found.
    scripted = _encrypted(
        pdf_bytes(extra_catalog="/OpenAction 4 0 R", objects=JS_ACTION), user_password=""
    )
    _refused(
        _send_report(login(reporter), upload("scripted.pdf", scripted, "application/pdf")),
        "JavaScript",
    )
    plain = _encrypted(pdf_bytes(), user_password="")
    assert (
        _send_report(login(reporter), upload("plain.pdf", plain, "application/pdf")).status_code
        == 302
    )


def test_adding_evidence_later_gets_the_same_checks(login, reporter) -> None:
    report = ReportFactory(reporter=reporter)
    url = reverse("incidents:report_detail", args=[report.reference])
    bad = pdf_bytes(extra_catalog="/OpenAction 4 0 R", objects=JS_ACTION)
    response = login(reporter).post(
        url, {"screenshots": [upload("later.pdf", bad, "application/pdf")]}
    )
    assert response.status_code == 200
    assert "JavaScript" in " ".join(response.context["form"].errors["screenshots"])
    assert EvidenceFile.objects.count() == 0


# --------------------------------------------------------------------------- hourly limit


def _add(client, report: Report, count: int):
    files = [upload(f"shot{n}.png", png_bytes(), "image/png") for n in range(count)]
    return client.post(
        reverse("incidents:report_detail", args=[report.reference]), {"screenshots": files}
    )


def test_uploads_over_the_hourly_limit_are_refused_saying_when_they_can_try_again(
    login, reporter, settings
) -> None:
    settings.EVIDENCE_UPLOADS_PER_HOUR = 3
    report = ReportFactory(reporter=reporter)
    start = timezone.now().replace(second=30, microsecond=0)
    # A fresh sign-in at each moment, so an idle session's expiry plays no part.
    with time_machine.travel(start, tick=False):
        assert _add(login(reporter), report, 2).status_code == 302
    with time_machine.travel(start + dt.timedelta(minutes=20), tick=False):
        client = login(reporter)
        assert _add(client, report, 1).status_code == 302
        response = _add(client, report, 1)
    assert response.status_code == 200
    # With its zone, as every hour shown to a person.
    again = timezone.localtime(start + dt.timedelta(hours=1, minutes=1)).strftime("%H:%M %Z")
    message = " ".join(response.context["form"].errors["screenshots"])
    assert (
        f"You have uploaded 3 files in the last hour and the limit is 3 an hour. You can upload again from {again}."
        == message
    )
    assert EvidenceFile.objects.count() == 3
    # The first two age out together: two more fit then, not before.
    with time_machine.travel(start + dt.timedelta(minutes=59), tick=False):
        assert _add(login(reporter), report, 1).status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=1, minutes=1), tick=False):
        assert _add(login(reporter), report, 2).status_code == 302
    assert EvidenceFile.objects.count() == 5


def test_room_for_some_but_not_all_says_how_many_fit_now(login, reporter, settings) -> None:
    settings.EVIDENCE_UPLOADS_PER_HOUR = 3
    report = ReportFactory(reporter=reporter)
    client = login(reporter)
    _add(client, report, 2)
    response = _add(client, report, 2)
    assert "so you can add 1 more now, or all 2 from" in " ".join(
        response.context["form"].errors["screenshots"]
    )


def test_a_new_report_over_the_limit_keeps_everything_else_that_was_typed(
    login, reporter, settings
) -> None:
    settings.EVIDENCE_UPLOADS_PER_HOUR = 1
    client = login(reporter)
    _add(client, ReportFactory(reporter=reporter), 1)
    response = _send_report(
        client,
        upload("shot.png", png_bytes(), "image/png"),
        description="The post names a patient on ward 7.",
        poster_kind="handle",
        poster_handle="@ward7nurse",
    )
    assert response.status_code == 200
    message = _errors(response)
    assert "You can upload again from" in message and "send the report without them now" in message
    form = response.context["form"]
    assert form["description"].value() == "The post names a patient on ward 7."
    assert form["poster_handle"].value() == "@ward7nurse"
    assert "The post names a patient on ward 7." in response.content.decode()
    assert Report.objects.count() == 1  # only the one made by the factory
    # Sent again without the file, the report goes through.
    assert (
        _send_report(client, description="The post names a patient on ward 7.").status_code == 302
    )


def test_other_peoples_uploads_do_not_count(login, reporter, outsider, settings) -> None:
    settings.EVIDENCE_UPLOADS_PER_HOUR = 2
    _add(login(outsider), ReportFactory(reporter=outsider), 2)
    assert _add(login(reporter), ReportFactory(reporter=reporter), 2).status_code == 302


def test_the_service_holds_the_limit_even_when_the_form_was_passed(reporter, settings) -> None:
    """Two uploads sent at once both pass the form; saving counts again with the uploader's row locked."""
    settings.EVIDENCE_UPLOADS_PER_HOUR = 2
    report = ReportFactory(reporter=reporter)
    checked = [evidence_file_check(upload(f"s{n}.png", png_bytes())) for n in range(2)]
    report_add_evidence(report=report, by=reporter, links=[], files=checked)
    more = [evidence_file_check(upload("late.png", png_bytes()))]
    with pytest.raises(UploadLimitReached):
        report_add_evidence(
            report=report, by=reporter, links=["https://x.com/a/status/1"], files=more
        )
    assert EvidenceFile.objects.count() == 2
    assert report.links.count() == 0  # nothing of the refused addition was kept
