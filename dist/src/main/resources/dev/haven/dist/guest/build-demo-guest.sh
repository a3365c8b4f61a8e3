#!/bin/sh
# Builds Haven's demo guest into OUT (default ~/.cache/haven/demo-guest) from Debian packages:
# Debian's kernel (linux-image-*-amd64, fetched with apt-get download) and busybox-static, with
# an initramfs (newc cpio) whose /init is the record writer beside this script. The result,
# disk.raw, is a sparse raw disk that carries its own boot: a text header in sector 0 names the
# kernel, the initramfs and the kernel command line stored on the disk, which Haven's QEMU driver
# boots directly. Nothing is rebuilt when disk.raw is newer than /init.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HOME/.cache/haven/demo-guest}
DISK_MIB=${DISK_MIB:-32}
mkdir -p "$OUT"
cd "$OUT"
if [ -s disk.raw ] && [ disk.raw -nt "$HERE/init" ]; then
  echo "$OUT/disk.raw"
  exit 0
fi
need() { command -v "$1" >/dev/null 2>&1 || { echo "missing $1: install $2" >&2; exit 3; }; }
need busybox busybox-static
need cpio cpio
need apt-get apt
if ldd "$(command -v busybox)" >/dev/null 2>&1; then
  echo "busybox is dynamically linked: install busybox-static" >&2; exit 3
fi
if [ ! -s vmlinuz ] || [ ! -d modules ]; then
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
  [ -n "$pkg" ] || { echo "cannot resolve linux-image-amd64 (run apt-get update)" >&2; exit 3; }
  rm -rf deb && mkdir deb
  (cd deb && apt-get download "$pkg" >/dev/null 2>&1) || { echo "apt-get download $pkg failed" >&2; exit 3; }
  rm -rf x && dpkg-deb -x deb/*.deb x
  cp x/boot/vmlinuz-* vmlinuz.tmp && mv vmlinuz.tmp vmlinuz
  rm -rf modules && mkdir modules
  for m in drivers/virtio/virtio drivers/virtio/virtio_ring drivers/virtio/virtio_pci_legacy_dev \
      drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci drivers/block/virtio_blk \
      drivers/input/evdev drivers/acpi/button; do
    f=$(ls x/lib/modules/*/kernel/$m.ko* | head -1)
    case "$f" in
      *.xz) xz -dc "$f" > "modules/$(basename "$m").ko" ;;
      *.zst) zstd -dcq "$f" > "modules/$(basename "$m").ko" ;;
      *) cp "$f" "modules/$(basename "$m").ko" ;;
    esac
  done
  rm -rf x deb
fi
rm -rf root && mkdir -p root/bin root/proc root/sys root/dev root/tmp root/etc root/lib/modules
cp "$(command -v busybox)" root/bin/busybox
for app in $(root/bin/busybox --list); do
  [ "$app" = busybox ] || ln -s busybox "root/bin/$app"
done
cp modules/*.ko root/lib/modules/
cp "$HERE/init" root/init && chmod 755 root/init
(cd root && find . | cpio -o -H newc --quiet | gzip -9) > initrd.gz
rm -rf root
kernel_at=1048576
ksize=$(stat -c %s vmlinuz)
isize=$(stat -c %s initrd.gz)
initrd_at=$(( (kernel_at + ksize + 1048575) / 1048576 * 1048576 ))
if [ $((initrd_at + isize)) -gt $((16 * 1048576)) ]; then
  echo "kernel and initramfs do not fit below 16 MiB" >&2; exit 3
fi
rm -f disk.tmp
truncate -s "${DISK_MIB}M" disk.tmp
printf 'HAVEN-BOOT 1\nkernel %s %s\ninitrd %s %s\ncmdline console=ttyS0 quiet panic=-1\n' \
  "$kernel_at" "$ksize" "$initrd_at" "$isize" | dd of=disk.tmp conv=notrunc 2>/dev/null
dd if=vmlinuz of=disk.tmp bs=1M seek=$((kernel_at / 1048576)) conv=notrunc 2>/dev/null
dd if=initrd.gz of=disk.tmp bs=1M seek=$((initrd_at / 1048576)) conv=notrunc 2>/dev/null
mv disk.tmp disk.raw
echo "$OUT/disk.raw"
