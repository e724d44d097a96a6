#!/bin/sh
# Pack a one-folder bundle into switchboard-VERSION-linux-x86_64.tar.gz with install.sh,
# uninstall.sh, the menu entry, the icons in hicolor layout and the AppStream metainfo.
#
#   sh packaging/linux/make_tarball.sh BUNDLE_DIR VERSION OUT_DIR
set -eu

BUNDLE=$1
VERSION=$2
OUT=$3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NAME="switchboard-$VERSION-linux-$(uname -m)"
STAGE="$OUT/$NAME"

rm -rf "$STAGE"
mkdir -p "$STAGE/share/applications" "$STAGE/share/metainfo" \
    "$STAGE/share/icons/hicolor/scalable/apps"
cp -R "$BUNDLE" "$STAGE/switchboard"
cp "$ROOT/resources/switchboard.desktop" "$STAGE/share/applications/"
cp "$ROOT"/resources/*.metainfo.xml "$STAGE/share/metainfo/"
cp "$ROOT/resources/icons/switchboard.svg" "$STAGE/share/icons/hicolor/scalable/apps/"
(cd "$ROOT/resources/icons" && find hicolor -name switchboard.png) | while read -r png; do
    mkdir -p "$STAGE/share/icons/$(dirname "$png")"
    cp "$ROOT/resources/icons/$png" "$STAGE/share/icons/$png"
done
install -m 755 "$ROOT/packaging/linux/install.sh" "$ROOT/packaging/linux/uninstall.sh" "$STAGE/"
cp "$ROOT/packaging/linux/README.txt" "$STAGE/"
tar -C "$OUT" -czf "$OUT/$NAME.tar.gz" "$NAME"
rm -rf "$STAGE"
echo "$OUT/$NAME.tar.gz"
