# Switchboard: `make run` installs and opens the app; `make test` installs and runs every check.
# Both work on a fresh Debian machine: system packages come from apt-get when run as root,
# otherwise the missing ones are listed. The Python environment lives in .venv.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KEYRING_PW := switchboard-test

# Qt's xcb platform plugin, OpenGL, fonts: what a PySide6 window needs on Debian.
RUN_DEBS := libegl1 libgl1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 \
	libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xkb1 \
	libfontconfig1 libdbus-1-3 fonts-dejavu-core
# Tests add a virtual screen, a real Secret Service, media tools and screenshots, and a
# PulseAudio server whose null sink and virtual source stand in for a microphone.
TEST_DEBS := $(RUN_DEBS) xvfb xauth xdotool gnome-keyring dbus ffmpeg espeak-ng imagemagick \
	pulseaudio pulseaudio-utils desktop-file-utils appstream
# `make dist-check` validates the menu entry and metainfo and runs the bundle in a private
# D-Bus session with GNOME Keyring, on media made with ffmpeg.
DIST_DEBS := $(RUN_DEBS) desktop-file-utils appstream gnome-keyring dbus ffmpeg

VERSION := $(shell sed -n 's/^__version__ = "\(.*\)"/\1/p' desktop/__init__.py)
TARBALL := build/switchboard-$(VERSION)-linux-$(shell uname -m).tar.gz

.PHONY: run test system-run system-test lint format-check deadcode typecheck contracts pytest \
	keyring-test bench clean dist dist-check system-dist

run: system-run $(VENV)/.run-installed
	$(VENV)/bin/switchboard

test: system-test $(VENV)/.test-installed lint format-check deadcode typecheck contracts pytest \
	keyring-test

# --- installation ---------------------------------------------------------------------------

define ensure_debs
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
		| grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Debian packages: $$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "Please install these Debian packages (as root): apt-get install $$missing"; \
			$(2); \
		fi; \
	fi
endef

system-run:
	$(call ensure_debs,$(RUN_DEBS),true)

system-test:
	$(call ensure_debs,$(TEST_DEBS),exit 1)

system-dist:
	$(call ensure_debs,$(DIST_DEBS),exit 1)

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Switchboard needs Python 3.11 or newer ($(PYTHON) is older)."; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; \
		else echo "Please install python3-venv (as root): apt-get install python3-venv"; exit 1; fi; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.dist-installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e '.[dist]'
	touch $@ $(VENV)/.run-installed

$(VENV)/.test-installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.run-installed

# --- checks ---------------------------------------------------------------------------------

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check desktop tests

# The tree is kept formatted: a diff here means `ruff format desktop tests` was not run.
format-check: $(VENV)/.test-installed
	$(VENV)/bin/ruff format --check desktop tests

# Unused code (paths and threshold in pyproject's [tool.vulture]; framework-called names in
# vulture_whitelist.py).
deadcode: $(VENV)/.test-installed
	$(VENV)/bin/vulture

typecheck: $(VENV)/.test-installed
	$(VENV)/bin/mypy

contracts: $(VENV)/.test-installed
	$(VENV)/bin/lint-imports

pytest: $(VENV)/.test-installed
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m "not keyring_real"

# The real keyring: gnome-keyring unlocked inside a private D-Bus session, with its keyrings
# and control socket in a fresh temporary folder, so a keyring left on the machine (with
# another password) can neither lock the test out nor be touched by it.
keyring-test: $(VENV)/.test-installed
	@tmp=$$(mktemp -d); mkdir -m 700 $$tmp/run; \
	XDG_DATA_HOME=$$tmp/data XDG_RUNTIME_DIR=$$tmp/run SWITCHBOARD_PRIVATE_KEYRING=1 \
	dbus-run-session -- sh -c 'echo $(KEYRING_PW) | gnome-keyring-daemon --unlock \
		--components=secrets >/dev/null 2>&1; $(PY) -m pytest -q --timeout 60 -m keyring_real tests/integration'; \
	rc=$$?; rm -rf $$tmp; exit $$rc

# Benchmarks (not part of `make test`): ratios measured side by side in one run.
bench: $(VENV)/.test-installed
	$(PY) -m pip install -q -e '.[test,bench]'
	$(PY) -m tests.bench

# --- the app for everyone else (packaging/) ------------------------------------------------

# A PyInstaller one-folder bundle (window and command line in one binary), packed with
# install.sh/uninstall.sh into build/switchboard-VERSION-linux-ARCH.tar.gz; prints its size.
dist: system-run $(VENV)/.dist-installed
	rm -rf build/dist
	$(PY) -m PyInstaller --noconfirm --log-level WARN --distpath build/dist \
		--workpath build/pyinstaller packaging/switchboard.spec
	sh packaging/linux/make_tarball.sh build/dist/switchboard $(VERSION) build
	@du -sh build/dist/switchboard $(TARBALL)

# Installs that tarball into a throwaway home and runs the frozen app there: window,
# WAV and MP4 playback, keyring found (and a missing one reported), a token saved in GNOME
# Keyring and a chat with the emulator, --version, history list,
# desktop-file-validate, appstreamcli validate, uninstall. About two minutes; CI runs it after
# `make test` (.ci/run), whose fast part checks the .desktop, metainfo, icons, install scripts
# and the wheel's resources.
# The check itself runs with the test extras: it drives the bundle against tests/emulator.
dist-check: system-dist dist $(VENV)/.test-installed
	$(PY) packaging/dist_check.py $(TARBALL)

clean:
	rm -rf $(VENV) build
