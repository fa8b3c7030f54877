#!/usr/bin/env bash
# Builds the fixture image used by the layer/image tests, with umoci and skopeo. In: nothing but the
# tools (umoci, skopeo, python3). Out, in DEST (default fixtures/images/layers-v1):
#   oci/             an OCI image layout, tag v1, three layers made with `umoci raw add-layer`
#   oci-archive.tar  the same layout as a tar (`skopeo copy oci:… oci-archive:…`)
#   docker-archive.tar  the same image as `docker save` writes it (`skopeo copy oci:… docker-archive:…`)
# The layer tars are written by Python's tarfile with fixed names, owners, modes and mtimes, so the
# same script gives the same blobs (and manifest digest) on every run; umoci's `created` and history
# times are pinned to SOURCE_DATE_EPOCH (default 1700000000).
#
# What the image holds (each a case the flattening tests compare against `umoci unpack`):
#   layer 1: dirs, 0644/0755/0600 files, a uid/gid 1000 home, a relative and an absolute symlink, a hard
#            link within the layer, /tmp/removeme.txt, /opt/old/{a,sub/b}, /var/cache/{x,y/z}
#   layer 2: .wh.removeme.txt (whiteout of a file), var/cache/.wh..wh..opq (opaque dir) plus a new
#            var/cache/kept written in the same layer, a hard link to a layer-1 file, etc/motd replaced
#   layer 3: opt/.wh.old (whiteout of a directory), a file replacing a layer-1 symlink, a symlink to a dir
#
# Usage: scripts/make-fixture-images.sh [--layout-only] [DEST]
#   --layout-only  write only oci/ (what fixtures/images/layers-v1 commits: byte-identical on every
#                  run; skopeo's oci-archive tar headers carry the current time, so archives are not)
# The tests run this into a temp dir (about 2 s) and compare the committed layout with the result.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
layout_only=0
if [[ "${1:-}" == "--layout-only" ]]; then layout_only=1; shift; fi
dest="${1:-$root/fixtures/images/layers-v1}"
epoch="${SOURCE_DATE_EPOCH:-1700000000}"
created="$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)"
export LC_ALL=C TZ=UTC

for tool in umoci skopeo python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "make-fixture-images: $tool not found (apt-get install umoci skopeo python3)" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rm -rf "$dest/oci" "$dest/oci-archive.tar" "$dest/docker-archive.tar"
mkdir -p "$dest"

python3 - "$work" "$epoch" <<'PY'
import io, sys, tarfile
out, epoch = sys.argv[1], int(sys.argv[2])

def layer(path, entries):
    with tarfile.open(path, 'w', format=tarfile.PAX_FORMAT) as t:
        for e in entries:
            name, kind = e[0], e[1]
            ti = tarfile.TarInfo(name)
            ti.mtime = e[4] if len(e) > 4 else epoch
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = ''
            data = None
            if kind == 'dir':
                ti.type, ti.mode = tarfile.DIRTYPE, e[2]
            elif kind == 'file':
                ti.mode, body = e[2], e[3].encode()
                ti.size, data = len(body), io.BytesIO(body)
            elif kind == 'symlink':
                ti.type, ti.mode, ti.linkname = tarfile.SYMTYPE, 0o777, e[2]
            elif kind == 'link':
                ti.type, ti.mode, ti.linkname = tarfile.LNKTYPE, 0o644, e[2]
            elif kind == 'wh':
                ti.mode, ti.size = 0o644, 0
            if name.startswith('home/user'):
                ti.uid = ti.gid = 1000
            t.addfile(ti, data)

layer(f'{out}/layer1.tar', [
    ('bin/', 'dir', 0o755),
    ('bin/tool', 'file', 0o755, '#!/bin/sh\necho tool\n'),
    ('etc/', 'dir', 0o755),
    ('etc/motd', 'file', 0o644, 'welcome to layer 1\n'),
    ('etc/secret', 'file', 0o600, 'hunter2\n'),
    ('etc/tool-link', 'symlink', '../bin/tool'),
    ('etc/abs-link', 'symlink', '/etc/motd'),
    ('home/', 'dir', 0o755),
    ('home/user/', 'dir', 0o750),
    ('home/user/notes.txt', 'file', 0o640, 'owned by 1000\n'),
    ('lib/', 'dir', 0o755),
    ('lib/libfoo.so.1', 'file', 0o755, 'not really an ELF\n'),
    ('lib/libfoo.so', 'symlink', 'libfoo.so.1'),
    ('opt/', 'dir', 0o755),
    ('opt/old/', 'dir', 0o755),
    ('opt/old/a', 'file', 0o644, 'a\n'),
    ('opt/old/sub/', 'dir', 0o700),
    ('opt/old/sub/b', 'file', 0o644, 'b\n'),
    ('tmp/', 'dir', 0o1777),
    ('tmp/removeme.txt', 'file', 0o644, 'whiteout me\n'),
    ('tmp/stays.txt', 'file', 0o644, 'still here\n'),
    ('usr/', 'dir', 0o755),
    ('usr/share/', 'dir', 0o755),
    ('usr/share/doc/', 'dir', 0o755),
    ('usr/share/doc/readme', 'file', 0o644, 'readme, linked twice\n'),
    ('usr/share/doc/readme.hard', 'link', 'usr/share/doc/readme'),
    ('var/', 'dir', 0o755),
    ('var/cache/', 'dir', 0o755),
    ('var/cache/x', 'file', 0o644, 'x\n'),
    ('var/cache/y/', 'dir', 0o755),
    ('var/cache/y/z', 'file', 0o644, 'z\n'),
])
layer(f'{out}/layer2.tar', [
    ('etc/', 'dir', 0o755),
    ('etc/motd', 'file', 0o644, 'welcome to layer 2\n'),
    ('tmp/', 'dir', 0o1777),
    ('tmp/.wh.removeme.txt', 'wh'),
    ('usr/', 'dir', 0o755),
    ('usr/bin/', 'dir', 0o755),
    ('usr/bin/tool-hard', 'link', 'bin/tool'),
    ('var/', 'dir', 0o755),
    ('var/cache/', 'dir', 0o700),
    ('var/cache/kept', 'file', 0o644, 'written before the opaque marker, in the same layer\n'),
    ('var/cache/.wh..wh..opq', 'wh'),
    ('var/cache/new', 'file', 0o644, 'new in layer 2\n'),
])
layer(f'{out}/layer3.tar', [
    ('lib/', 'dir', 0o755),
    ('lib/libfoo.so', 'file', 0o644, 'a file where layer 1 had a symlink\n'),
    ('opt/', 'dir', 0o755),
    ('opt/.wh.old', 'wh'),
    ('opt/docs', 'symlink', '/usr/share/doc'),
    ('srv/', 'dir', 0o755),
    ('srv/data.bin', 'file', 0o644, '\x00\x01\x02binary\xff'),
])
PY

oci="$dest/oci"
umoci init --layout "$oci"
umoci new --image "$oci:v1"
umoci config --image "$oci:v1" --created "$created" --author boxer-fixtures --os linux --architecture amd64 --history.created "$created"
for n in 1 2 3; do
  umoci raw add-layer --image "$oci:v1" --history.created "$created" --history.created_by "layer$n.tar" "$work/layer$n.tar"
done
umoci config --image "$oci:v1" --history.created "$created" \
  --config.env 'PATH=/usr/local/bin:/usr/bin:/bin' --config.env 'GREETING=hello world' \
  --config.entrypoint /bin/tool --config.cmd --default --config.cmd arg \
  --config.workingdir /home/user --config.user 1000:1000 \
  --config.exposedports 8080/tcp --config.exposedports 53/udp \
  --config.volume /data --config.label org.example.fixture=layers-v1 --config.label maintainer=boxer \
  --config.stopsignal SIGTERM
umoci gc --layout "$oci"
if [[ $layout_only == 1 ]]; then echo "make-fixture-images: wrote $oci"; exit 0; fi

skopeo copy --quiet "oci:$oci:v1" "oci-archive:$dest/oci-archive.tar:v1"
skopeo copy --quiet "oci:$oci:v1" "docker-archive:$dest/docker-archive.tar:fixture/layers:v1"
# NOTE: the archives' own tar headers carry the current time; their *contents* (blobs) are stable.
touch -d "@$epoch" "$dest/oci-archive.tar" "$dest/docker-archive.tar"
echo "make-fixture-images: wrote $dest"
