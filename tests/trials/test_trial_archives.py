from __future__ import annotations

import gzip
import io
import os
import stat
import struct
import tarfile
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from trials.archives import (
    ArchiveLimits,
    read_file_map,
    read_tree,
    tree_sha256,
    write_tar,
    write_zip,
)
from trials.errors import SubmissionRejected

MiB = 1024 * 1024
GiB = 1024 * MiB
FILES = {"app.py": b"print('hi')\n", "pkg/__init__.py": b"", "pkg/core.py": b"X = 1\n"}


# --- builders -------------------------------------------------------------------


def tar_of(*members: tuple[tarfile.TarInfo, bytes | None], gz: bool = False) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return gzip.compress(out.getvalue()) if gz else out.getvalue()


def member(name: str, kind: bytes = tarfile.REGTYPE, **attrs: object) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    for key, value in attrs.items():
        setattr(info, key, value)
    return info


def zip_of(files: dict[str, bytes], *, modes: dict[str, int] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name)
            if modes and name in modes:
                info.create_system = 3
                info.external_attr = modes[name] << 16
            archive.writestr(info, data)
    return out.getvalue()


def rejected(source: Path | bytes, limits: ArchiveLimits | None = None) -> SubmissionRejected:
    with pytest.raises(SubmissionRejected) as caught:
        read_tree(source, limits or ArchiveLimits())
    return caught.value


def deflate_zeros(prefix: bytes, zeros: int) -> bytes:
    """A raw deflate stream of `prefix` then `zeros` zero bytes, ~1000 times smaller.

    Built from one compressed 1 MiB block repeated: after a full flush the
    compressor starts afresh, so the same input gives the same bytes. Nothing
    near `zeros` bytes is ever held in memory.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(bytes(MiB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return head + block * (zeros // MiB) + compressor.flush(zlib.Z_FINISH)


# The bombs' checksums are left at zero, as an attacker may: a reader that
# reached them would already have inflated the whole gigabyte.


def gzip_bomb(prefix: bytes, zeros: int = GiB) -> bytes:
    size = (len(prefix) + zeros) % 2**32
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    return header + deflate_zeros(prefix, zeros) + struct.pack("<LL", 0, size)


def zip_bomb(name: str = "bomb.py", zeros: int = GiB) -> bytes:
    deflated = deflate_zeros(b"", zeros)
    encoded = name.encode()
    sizes = (0, len(deflated), zeros, len(encoded), 0)  # crc, compressed, size, name, extra
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, *sizes)
    central = struct.pack(
        "<4s6H3L5H2L",
        b"PK\x01\x02",
        (3 << 8) | 20,  # made by: Unix
        20,
        0,
        8,  # deflate
        0,
        0x21,  # 1980-01-01
        *sizes,
        0,  # comment
        0,  # disk
        0,  # internal attributes
        (stat.S_IFREG | 0o644) << 16,
        0,  # local header offset
    )
    body = local + encoded + deflated
    directory = central + encoded
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(directory), len(body), 0)
    return body + directory + end


def stopped_quickly(read: Callable[[], object]) -> SubmissionRejected:
    """Run `read`, which must be refused within 32 MiB of new memory (bounded reading, not
    decompressing the whole bomb; memory is counted, not time, which drifts on a shared machine)."""
    tracemalloc.start()
    try:
        with pytest.raises(SubmissionRejected) as caught:
            read()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * MiB, f"peak {peak / MiB:.1f} MiB"
    return caught.value


# --- reading ----------------------------------------------------------------------


def test_folder_tar_targz_and_zip_read_to_the_same_files(tmp_path: Path) -> None:
    for path, data in FILES.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    tar = write_tar(FILES)

    sources: list[Path | bytes] = [tmp_path, tar, gzip.compress(tar), write_zip(FILES)]

    assert all(read_tree(source) == FILES for source in sources)


def test_the_format_is_recognised_by_content_not_by_file_name(tmp_path: Path) -> None:
    misnamed = tmp_path / "upload.txt"
    misnamed.write_bytes(gzip.compress(write_tar(FILES)))

    assert read_tree(misnamed) == FILES


def test_a_single_wrapper_folder_is_unwrapped() -> None:
    wrapped = {f"my-project/{path}": data for path, data in FILES.items()}

    assert read_tree(write_zip(wrapped)) == FILES
    assert read_tree(write_zip(wrapped), unwrap=False) == wrapped


def test_a_lone_python_package_folder_is_not_unwrapped() -> None:
    package = {"shop/__init__.py": b"", "shop/cart.py": b"X = 1\n"}

    assert read_tree(write_tar(package)) == package


def test_junk_is_dropped_silently_and_only_junk_is_empty() -> None:
    junk = {
        "__pycache__/app.cpython-311.pyc": b"\0",
        "pkg/stale.pyc": b"\0",
        ".DS_Store": b"\0",
        "__MACOSX/._app.py": b"\0",
        "._app.py": b"\0",
    }

    assert read_tree(write_zip({**FILES, **junk})) == FILES
    assert rejected(write_zip(junk)).code == "empty"


def test_dot_components_and_folder_entries_are_normalised_away() -> None:
    tar = tar_of(
        (member("./", tarfile.DIRTYPE), None),
        (member("./src", tarfile.DIRTYPE), None),
        (member("./src//main.py"), b"1"),
        (member("./README.md"), b"2"),
    )

    assert read_tree(tar) == {"README.md": b"2", "src/main.py": b"1"}


@pytest.mark.parametrize(
    "name",
    [
        "../evil.py",
        "src/../../evil.py",
        "/etc/passwd",
        "C:/Windows/evil.py",
        "src\\..\\evil.py",
        "bell\x07.py",
        "rtl\u202egnp.py",
    ],
)
def test_escaping_or_ambiguous_names_are_refused_in_tar_and_zip(name: str) -> None:
    for archive in (tar_of((member(name), b"x")), zip_of({name: b"x"})):
        error = rejected(archive)
        assert error.code == "unsafe_path"
        assert error.path is not None


def test_a_nul_in_a_name_is_refused() -> None:
    with pytest.raises(SubmissionRejected) as caught:
        read_file_map({"ok.py\x00.txt": "x"})

    assert caught.value.code == "unsafe_path"


def test_symlink_and_hardlink_members_are_refused() -> None:
    symlink = tar_of((member("link.py", tarfile.SYMTYPE, linkname="/etc/passwd"), None))
    hardlink = tar_of(
        (member("a.py"), b"x"), (member("b.py", tarfile.LNKTYPE, linkname="a.py"), None)
    )
    zipped = zip_of({"link.py": b"/etc/passwd"}, modes={"link.py": stat.S_IFLNK | 0o777})

    assert rejected(symlink).code == "symlink"
    assert rejected(hardlink).code == "symlink"
    assert rejected(zipped).code == "symlink"


@pytest.mark.parametrize("kind", [tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE])
def test_device_and_fifo_members_are_refused(kind: bytes) -> None:
    error = rejected(tar_of((member("dev", kind, devmajor=1, devminor=3), None)))

    assert (error.code, error.path) == ("special_file", "dev")


def test_too_many_files_are_refused() -> None:
    files = {f"f{i}.py": b"" for i in range(6)}

    assert rejected(write_tar(files), ArchiveLimits(max_files=5)).code == "too_many_files"
    assert len(read_tree(write_tar(files), ArchiveLimits(max_files=6))) == 6


def test_too_many_entries_of_any_kind_are_refused() -> None:
    folders = [(member(f"d{i}", tarfile.DIRTYPE), None) for i in range(200)]

    error = rejected(tar_of(*folders, (member("a.py"), b"")), ArchiveLimits(max_files=5))

    assert error.code == "too_many_files"


def test_a_file_over_the_cap_is_refused_by_its_real_size() -> None:
    limits = ArchiveLimits(max_file_bytes=1000)
    big = os.urandom(1001)

    for archive in (write_tar({"big.bin": big}), write_zip({"big.bin": big})):
        error = rejected(archive, limits)
        assert (error.code, error.path) == ("file_too_large", "big.bin")


def test_files_over_the_total_cap_are_refused() -> None:
    limits = ArchiveLimits(max_file_bytes=1000, max_total_bytes=2500)
    files = {f"f{i}.bin": os.urandom(900) for i in range(3)}

    assert rejected(write_tar(files), limits).code == "too_large"


def test_an_archive_over_its_own_cap_is_refused_unread() -> None:
    error = rejected(gzip.compress(os.urandom(5000)), ArchiveLimits(max_archive_bytes=4096))

    assert error.code == "too_large"


def test_a_gzip_bomb_is_stopped_fast_with_bounded_memory() -> None:
    header = member("bomb.py", size=GiB).tobuf(tarfile.GNU_FORMAT)
    bomb = gzip_bomb(header)
    assert len(bomb) < 2 * MiB

    error = stopped_quickly(lambda: read_tree(bomb))

    assert error.code == "decompression_bomb"


def test_a_zip_bomb_is_stopped_fast_with_bounded_memory() -> None:
    bomb = zip_bomb()
    assert len(bomb) < 2 * MiB

    error = stopped_quickly(lambda: read_tree(bomb))

    assert error.code == "decompression_bomb"


def test_a_pax_header_inflating_to_a_gigabyte_is_stopped() -> None:
    # tarfile reads a pax record whole; only metering the stream bounds it.
    header = member("././@PaxHeader", tarfile.XHDTYPE, size=GiB).tobuf(tarfile.USTAR_FORMAT)

    error = stopped_quickly(lambda: read_tree(gzip_bomb(header)))

    assert error.code == "decompression_bomb"


def test_zip_members_compressed_with_unbounded_methods_are_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("a.py", b"x = 1\n")

    assert rejected(out.getvalue()).code == "not_an_archive"


def test_paths_deeper_than_the_limit_are_refused() -> None:
    limits = ArchiveLimits(max_depth=3)
    ok = "a/b/c.py"
    deep = "a/b/c/d.py"

    assert read_tree(write_tar({ok: b"", "top.py": b""}), limits)
    error = rejected(write_tar({deep: b"", "top.py": b""}), limits)
    assert (error.code, error.path) == ("too_deep", deep)


def test_depth_is_counted_after_unwrapping() -> None:
    limits = ArchiveLimits(max_depth=3)

    assert read_tree(write_zip({"wrap/a/b/c.py": b""}), limits) == {"a/b/c.py": b""}
    assert rejected(write_zip({"wrap/a/b/c/d.py": b""}), limits).code == "too_deep"


@pytest.mark.parametrize(
    "blob",
    [os.urandom(4096), b"", b"just some text", gzip.compress(os.urandom(4096))],
    ids=["random", "empty", "text", "gzip-of-random"],
)
def test_anything_but_an_archive_is_refused(blob: bytes) -> None:
    assert rejected(blob).code == "not_an_archive"


def test_a_truncated_archive_is_refused() -> None:
    tar = gzip.compress(write_tar({"a.bin": os.urandom(20000)}))

    assert rejected(tar[: len(tar) // 2]).code == "not_an_archive"


def test_a_damaged_header_after_the_first_is_refused_not_skipped() -> None:
    # tarfile alone would stop quietly at the damage and drop b.py.
    tar = bytearray(write_tar({"a.py": b"1", "b.py": b"2"}))
    second = tar.index(b"b.py")
    tar[second + 148 : second + 156] = b"0000000\0"  # a wrong header checksum

    assert rejected(bytes(tar)).code == "not_an_archive"


def test_members_after_the_end_of_a_tar_are_refused_not_dropped() -> None:
    two_tars = write_tar({"a.py": b"1"}) + write_tar({"b.py": b"2"})

    assert rejected(two_tars).code == "not_an_archive"
    assert rejected(gzip.compress(two_tars)).code == "not_an_archive"


def test_a_gzip_whose_checksum_fails_is_refused() -> None:
    archive = bytearray(gzip.compress(write_tar(FILES)))
    archive[-8] ^= 0xFF  # the CRC-32 in the trailer

    assert rejected(bytes(archive)).code == "not_an_archive"


def test_a_zip_member_whose_checksum_fails_is_refused() -> None:
    archive = bytearray(zip_of({"a.py": b"x = 1\n"}))
    archive[14] ^= 0xFF  # the CRC-32 in the local header...
    archive[archive.index(b"PK\x01\x02") + 16] ^= 0xFF  # ...and in the central directory

    assert rejected(bytes(archive)).code == "not_an_archive"


def test_names_differing_only_in_case_or_unicode_form_collide() -> None:
    assert rejected(zip_of({"Cart.py": b"", "cart.py": b""})).code == "unsafe_path"
    assert rejected(zip_of({"caf\u00e9.py": b"", "cafe\u0301.py": b""})).code == "unsafe_path"
    repeated = tar_of((member("a.py"), b"1"), (member("a.py"), b"2"))
    assert rejected(repeated).code == "unsafe_path"


def test_a_path_that_is_both_file_and_folder_is_refused() -> None:
    assert rejected(write_zip({"a": b"", "a/b.py": b""})).code == "unsafe_path"


def test_names_that_are_not_utf8_are_refused() -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT, encoding="latin-1") as tar:
        tar.addfile(member("caf\u00e9.py", size=0), io.BytesIO())

    assert rejected(out.getvalue()).code == "bad_encoding"


def zip_with_raw_name(raw: bytes) -> bytes:
    """A zip whose one member's name is `raw`, with the UTF-8 flag unset."""
    placeholder = b"n" * len(raw)
    return zip_of({placeholder.decode(): b"1"}).replace(placeholder, raw)


def test_utf8_names_without_the_zip_utf8_flag_are_read_as_utf8() -> None:
    assert read_tree(zip_with_raw_name("caf\u00e9.py".encode())) == {"caf\u00e9.py": b"1"}
    assert rejected(zip_with_raw_name(b"caf\xe9.py")).code == "bad_encoding"


# --- folders ----------------------------------------------------------------------


def test_a_symlink_inside_a_folder_is_refused_not_followed(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "secrets.py").symlink_to("/etc/passwd")

    error = rejected(tmp_path)

    assert (error.code, error.path) == ("symlink", "secrets.py")


def test_a_symlinked_folder_inside_a_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "loot.py").write_text("")
    source = tmp_path / "source"
    source.mkdir()
    (source / "app.py").write_text("")
    (source / "lib").symlink_to(outside, target_is_directory=True)

    assert rejected(source).code == "symlink"


def test_a_hard_link_inside_a_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    source = tmp_path / "source"
    source.mkdir()
    (source / "copy.txt").hardlink_to(outside)

    error = rejected(source)

    assert (error.code, error.path) == ("symlink", "copy.txt")
    assert "hard link" in error.message


def test_a_fifo_inside_a_folder_is_refused_without_hanging(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("")
    os.mkfifo(tmp_path / "pipe")

    assert rejected(tmp_path).code == "special_file"


def test_a_folder_deeper_than_the_limit_is_refused(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b" / "c" / "d"
    deep.mkdir(parents=True)
    (deep / "x.py").write_text("")
    (tmp_path / "top.py").write_text("")

    assert rejected(tmp_path, ArchiveLimits(max_depth=3)).code == "too_deep"


def test_junk_folders_are_skipped_in_a_folder(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0")

    assert read_tree(tmp_path) == {"app.py": b""}


# --- file maps ----------------------------------------------------------------------


def test_a_file_map_becomes_utf8_bytes_without_unwrapping() -> None:
    files = read_file_map({"proj/caf\u00e9.py": "s = '\u00e9'\n", "proj/x.py": ""})

    assert files == {"proj/caf\u00e9.py": "s = '\u00e9'\n".encode(), "proj/x.py": b""}


@pytest.mark.parametrize(
    ("mapping", "code"),
    [
        ({"../x.py": ""}, "unsafe_path"),
        ({"/abs.py": ""}, "unsafe_path"),
        ({"": ""}, "unsafe_path"),
        ({"a.py": "\ud800"}, "bad_encoding"),
        ({"A.py": "", "a.py": ""}, "unsafe_path"),
        ({f"f{i}.py": "" for i in range(201)}, "too_many_files"),
        ({"big.py": "x" * (MiB + 1)}, "file_too_large"),
        ({"a/b/c/d/e/f/g/h/i.py": ""}, "too_deep"),
        ({}, "empty"),
        ({"__pycache__/a.pyc": ""}, "empty"),
    ],
)
def test_a_file_map_follows_the_same_rules(mapping: dict[str, str], code: str) -> None:
    with pytest.raises(SubmissionRejected) as caught:
        read_file_map(mapping)

    assert caught.value.code == code


# --- writing and hashing ---------------------------------------------------------------


def test_write_tar_is_deterministic_and_normalises_metadata() -> None:
    reordered = dict(reversed(FILES.items()))

    first, second = write_tar(FILES, prefix="submission"), write_tar(reordered, "submission/")

    assert first == second
    with tarfile.open(fileobj=io.BytesIO(first)) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names == [
        "submission",
        "submission/pkg",
        "submission/app.py",
        "submission/pkg/__init__.py",
        "submission/pkg/core.py",
    ]
    assert {(m.mtime, m.uid, m.gid, m.uname) for m in members} == {(0, 0, 0, "")}
    assert {m.mode for m in members if m.isfile()} == {0o644}
    assert {m.mode for m in members if m.isdir()} == {0o755}


def test_write_zip_is_deterministic() -> None:
    assert write_zip(FILES) == write_zip(dict(reversed(FILES.items())))
    assert read_tree(write_zip(FILES, "x")) == FILES


def test_writers_refuse_unsafe_paths() -> None:
    with pytest.raises(SubmissionRejected):
        write_tar({"../x.py": b""})


def test_the_tree_hash_depends_on_paths_and_contents_only() -> None:
    assert tree_sha256(FILES) == tree_sha256(dict(reversed(FILES.items())))
    assert tree_sha256(FILES) != tree_sha256({**FILES, "app.py": b"changed"})
    # Length prefixes: moving bytes between a name and its content changes the hash.
    assert tree_sha256({"ab": b"c"}) != tree_sha256({"a": b"bc"})
