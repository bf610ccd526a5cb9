#!/usr/bin/env python3
"""A deterministic source tarball of one commit: the same bytes for the same tree, on any machine.

`git archive` of the commit (so .gitattributes export-ignore applies: packaging/, whose files hold
the tarball's own hash, is left out), re-packed with every entry in name order, owner 0/0 with no
names, mode 0644 or 0755, mtime = the commit time of the last change to CHANGELOG.md (the release
commit), no pax header naming the commit; gzip with no file name and time 0.
Prints the SHA512 (vcpkg) and SHA256 (Conan) of the tarball.
Usage: source_tarball.py <commit or tag> <version> <output.tar.gz>
"""

import gzip
import hashlib
import io
import subprocess
import sys
import tarfile


def git(*args):
    return subprocess.run(["git", *args], check=True, capture_output=True).stdout


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: source_tarball.py <commit or tag> <version> <output.tar.gz>")
    commit, version, output = sys.argv[1:]
    mtime = int(git("log", "-1", "--format=%ct", commit, "--", "CHANGELOG.md").strip() or
                git("log", "-1", "--format=%ct", commit).strip())
    prefix = f"loadkit-{version}/"
    archive = tarfile.open(fileobj=io.BytesIO(git("archive", "--format=tar", f"--prefix={prefix}", commit)))
    members = sorted((m for m in archive.getmembers() if m.type != tarfile.XGLTYPE), key=lambda m: m.name)

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as out:
        for member in members:
            info = tarfile.TarInfo(member.name)
            info.type = member.type
            info.mode = 0o755 if member.isdir() or member.mode & 0o111 else 0o644
            info.mtime = mtime
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.linkname = member.linkname
            if member.isfile():
                info.size = member.size
                out.addfile(info, archive.extractfile(member))
            else:
                out.addfile(info)
    data = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=data, mtime=0, compresslevel=9) as gz:
        gz.write(raw.getvalue())
    blob = data.getvalue()
    with open(output, "wb") as f:
        f.write(blob)
    print(f"sha512 {hashlib.sha512(blob).hexdigest()}")
    print(f"sha256 {hashlib.sha256(blob).hexdigest()}")


if __name__ == "__main__":
    main()
