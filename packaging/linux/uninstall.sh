#!/bin/sh
# Remove what install.sh put into your home folder (listed in installed-files.txt).
# Your history, media, settings and keys stay: they live elsewhere (About shows where) and
# the next install finds them again.
set -eu

PREFIX=${PREFIX:-"$HOME/.local"}
APPDIR="$PREFIX/lib/switchboard"
MANIFEST="$APPDIR/installed-files.txt"

if [ ! -f "$MANIFEST" ]; then
    echo "uninstall.sh: Switchboard is not installed under $PREFIX (no $MANIFEST)." >&2
    exit 1
fi

while IFS= read -r file; do
    case "$file" in
        "$PREFIX"/*) ;;  # never anything outside the prefix, whatever the list says
        *) continue ;;
    esac
    if [ -L "$file" ] || [ -f "$file" ]; then
        rm -f "$file"
    fi
done < "$MANIFEST"
rm -rf "$APPDIR"

if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$PREFIX/share/applications" 2>/dev/null || true
fi
touch "$PREFIX/share/icons/hicolor" 2>/dev/null || true

echo "Switchboard is removed. Your history and settings are kept (delete them yourself if you"
echo "wish: ${XDG_DATA_HOME:-$HOME/.local/share}/switchboard and ${XDG_CONFIG_HOME:-$HOME/.config}/switchboard)."
