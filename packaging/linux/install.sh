#!/bin/sh
# Install Switchboard for you alone, without root, from this unpacked tarball.
#
#   ./install.sh              # into ~/.local (the app in ~/.local/lib/switchboard)
#   PREFIX=/some/dir ./install.sh
#
# What goes where (the freedesktop places every desktop reads):
#   ~/.local/lib/switchboard/                 the app folder (one-folder bundle)
#   ~/.local/bin/switchboard                  a link to it, for the terminal
#   ~/.local/share/applications/switchboard.desktop     the menu entry
#   ~/.local/share/icons/hicolor/*/apps/switchboard.*   the icon, every size
#   ~/.local/share/metainfo/io.github.switchboard.Switchboard.metainfo.xml
# Running it again upgrades in place. ./uninstall.sh removes exactly these; your history,
# settings and keys are never touched by either.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=${PREFIX:-"$HOME/.local"}
APPDIR="$PREFIX/lib/switchboard"
BINDIR="$PREFIX/bin"
SHARE="$PREFIX/share"
MANIFEST="$APPDIR/installed-files.txt"

if [ ! -x "$HERE/switchboard/switchboard" ]; then
    echo "install.sh: run it from the unpacked tarball (switchboard/switchboard is missing)." >&2
    exit 1
fi

mkdir -p "$PREFIX/lib" "$BINDIR" "$SHARE/applications" "$SHARE/metainfo"
# Copy beside, then swap: a failed copy never leaves half an app behind.
rm -rf "$APPDIR.new"
cp -R "$HERE/switchboard" "$APPDIR.new"
rm -rf "$APPDIR"
mv "$APPDIR.new" "$APPDIR"
: > "$MANIFEST"

record() { printf '%s\n' "$1" >> "$MANIFEST"; }

ln -sfn "$APPDIR/switchboard" "$BINDIR/switchboard"
record "$BINDIR/switchboard"

# The menu entry names the binary by its full path: ~/.local/bin is not on every desktop
# session's PATH.
sed -e "s|^Exec=.*|Exec=\"$APPDIR/switchboard\"|" \
    -e "s|^TryExec=.*|TryExec=$APPDIR/switchboard|" \
    "$HERE/share/applications/switchboard.desktop" > "$SHARE/applications/switchboard.desktop"
record "$SHARE/applications/switchboard.desktop"

for icon in $(cd "$HERE/share" && find icons -type f); do
    mkdir -p "$SHARE/$(dirname "$icon")"
    cp "$HERE/share/$icon" "$SHARE/$icon"
    record "$SHARE/$icon"
done

for file in "$HERE"/share/metainfo/*.xml; do
    cp "$file" "$SHARE/metainfo/"
    record "$SHARE/metainfo/$(basename "$file")"
done

# Tell the desktop about the new entry and icon (each tool is optional).
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$SHARE/applications" 2>/dev/null || true
fi
touch "$SHARE/icons/hicolor" 2>/dev/null || true
if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$SHARE/icons/hicolor/index.theme" ]; then
    gtk-update-icon-cache -q -t "$SHARE/icons/hicolor" 2>/dev/null || true
fi

echo "Switchboard is installed. Find it in your applications menu, or run: switchboard"
case ":$PATH:" in
    *":$BINDIR:"*) ;;
    *) echo "($BINDIR is not on your PATH; add it, or run $BINDIR/switchboard)" ;;
esac
echo "To remove it: $HERE/uninstall.sh (or $APPDIR/uninstall.sh)"
cp "$HERE/uninstall.sh" "$APPDIR/uninstall.sh"
