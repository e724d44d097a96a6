"""The Images tab: describe a picture, make it on any provider, see it large, keep all of them.

How it works: the form and the pickers become an ``ImageRequest``; "Make image" (or Ctrl+Enter)
starts one task in the page's :class:`TaskScope` slot ``"make"`` that runs
``services.images.generate`` — every picture routed on its own, failing over on its own — while
the progress lines show who is working on which picture. The stored generation is then read
back from the history and its pictures go first in the gallery, which also holds every earlier
picture (read from the history at start, so they are there after a restart). Selecting a tile
decodes the picture off the loop at the size the panel shows it (a :class:`PreviewLoader`,
which decodes again when the panel grows) and shows it large with its routing badge and
actions; copying, saving and dragging read the whole picture from its file.
Nothing here blocks the loop: history reads, decoding and file copies go to the pool.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from PySide6.QtCore import QItemSelection, QTimer, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QHBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from desktop.core.cost_types import Cost
from desktop.core.media_types import ImageRequest
from desktop.core.table import Task, provider_label
from desktop.core.vocab import FixAction
from desktop.engine.images import check_request
from desktop.services import Services
from desktop.ui.costs.hint import confirm_cost
from desktop.ui.images.form import ImageForm
from desktop.ui.images.gallery import GalleryModel, GalleryView, Picture, pictures_of
from desktop.ui.images.progress import PictureProgress
from desktop.ui.images.result_panel import ResultPanel
from desktop.ui.widgets import task_page
from desktop.ui.widgets.file_actions import PICTURES, copy_image, suggested_name
from desktop.ui.widgets.image_view import ImageWindow
from desktop.ui.widgets.labels import MutedLabel
from desktop.ui.widgets.media_page import MediaPage
from desktop.ui.widgets.preview_loader import PreviewLoader, full_size
from desktop.ui.widgets.thumbnails import ImageLoadError, ThumbnailCache

log = logging.getLogger(__name__)

TASK = Task.TEXT_TO_IMAGE
IMAGE_FILTER = "Pictures (*.png *.jpg *.jpeg *.webp);;All files (*)"


class ImagesPage(MediaPage):
    """Form and pickers on the left; the chosen picture large, the gallery under it.

    Signals (from :class:`MediaPage`):
        providers_requested(str): open the Providers page ("token": focus the HF token).
        generation_added(int): a new generation (library row id) was stored.
    """

    animate_requested = Signal(str)
    """ "Animate it": the main window opens the Video tab with this picture to start from."""

    form: ImageForm
    model: GalleryModel

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        self._large_windows = 0
        self.large_window: ImageWindow | None = None
        """The last picture opened large (Qt owns it; kept for tests)."""
        super().__init__(
            services,
            TASK,
            "images",
            title="Images",
            run_text="Make image",
            run_tooltip="Make the picture (Ctrl+Enter)",
            example_model="black-forest-labs/FLUX.1-schnell",
            check=check_request,
            parent=parent,
        )
        self.form.set_model(self.model_picker.current_model())
        self.reload()

    # --- Building -------------------------------------------------------------------------

    def _make_form(self, parent: QWidget) -> ImageForm:
        self.model_picker.currentTextChanged.connect(self._on_model_changed)
        form = ImageForm(parent)
        self.start_picture, self.styles = self._creative_fields(
            form, "None — the picture is made from the description."
        )
        form.add_start_and_styles(self.start_picture, self.styles)
        self.start_picture.changed.connect(self._on_start_changed)
        return form

    def _on_start_changed(self) -> None:
        """The Run button says what it will do: make a picture, or change the one given."""
        changing = self.start_picture.path() is not None
        self.run_button.set_idle_text("Change picture" if changing else "Make image")

    def _make_progress(self, parent: QWidget) -> PictureProgress:
        self.progress = PictureProgress(parent)
        return self.progress

    def _make_result(self, parent: QWidget) -> ResultPanel:
        self.result = ResultPanel(parent)
        self.result.preview.activated.connect(self.open_large)
        self.preview_loader = PreviewLoader(
            self.result.preview, self.services.run_blocking, self.scope, "preview-redecode"
        )
        self.result.open_button.clicked.connect(self.open_large)
        self.result.save_button.clicked.connect(self.save_selected)
        self.result.copy_button.clicked.connect(self.copy_selected)
        self.result.reuse_button.clicked.connect(self.reuse_selected)
        self.result.new_seed_button.clicked.connect(self.new_seed)
        self.result.other_provider_button.clicked.connect(self.other_provider)
        self.result.use_button.clicked.connect(self.use_selected)
        self.result.animate_button.clicked.connect(self._animate_selected)
        return self.result

    def _make_list(self, parent: QWidget) -> GalleryView:
        self.thumbnails = ThumbnailCache(self.services.run_blocking, self.scope, parent=self)
        self.model = GalleryModel(self.thumbnails, self.palette())
        self.model.offers_image = self._shown_large
        self.gallery = GalleryView(parent)
        self.gallery.setModel(self.model)
        self.gallery.setMinimumHeight(120)
        self.gallery.selectionModel().selectionChanged.connect(self._on_selection_changed)
        return self.gallery

    def _add_below(self, column: QBoxLayout, parent: QWidget) -> None:
        bottom = QHBoxLayout()
        self.count_label = MutedLabel("", parent)
        bottom.addWidget(self.count_label)
        bottom.addStretch(1)
        column.addLayout(bottom)

    # --- Public API -----------------------------------------------------------------------

    def open_large(self) -> None:
        picture = self.result.picture
        preview = self.result.preview
        if picture is None or preview.image is None or not self._shown_large(picture.path):
            return
        window = ImageWindow(
            preview.image, picture.path, picture.prompt, self.window(), preview.full_size
        )
        # Shown at once with the panel's pixels, sharpened in the pool for the window's size.
        self._large_windows += 1
        slot = f"large-redecode-{self._large_windows}"
        PreviewLoader(window.preview, self.services.run_blocking, self.scope, slot)
        window.show()
        self.large_window = window

    def save_selected(self) -> None:
        if self.result.picture is not None:
            self.scope.spawn(self._save(self.result.picture), slot="save")

    def copy_selected(self) -> None:
        if self.result.picture is not None:
            self.scope.spawn(self._copy(self.result.picture.path), slot="copy")

    def use_selected(self) -> None:
        """ "Use this picture": the chosen picture becomes the start of the next change."""
        picture = self.result.picture
        if picture is not None:
            self.use_picture(picture.path)

    def use_picture(self, path: str) -> None:
        """Start the next change from ``path`` (also the Library's "Use this picture")."""
        self.form.use_picture(path)
        self.form.prompt.setFocus()

    def _animate_selected(self) -> None:
        picture = self.result.picture
        if picture is not None:
            self.animate_requested.emit(picture.path)

    def reuse_selected(self) -> None:
        """Put the chosen picture's prompt and settings (with its seed) in the form."""
        picture = self.result.picture
        if picture is None:
            return
        self._fill_form(picture, seed=picture.seed)
        self.form.prompt.setFocus()

    def new_seed(self) -> None:
        """The same settings as the chosen picture, a new random seed, made now."""
        picture = self.result.picture
        if picture is None or self.busy:
            return
        policy = self.policy_picker.current_policy()
        self._fill_form(picture, seed=None)
        self.policy_picker.set_policy(policy)  # a new seed, not a new provider choice
        self.form.set_seed(None)
        self.run()

    def other_provider(self) -> None:
        """The same prompt and seed, made once more now by the next provider that serves the
        model. A one-off: the tab's provider choice (Auto, say) stays as it was."""
        picture = self.result.picture
        if picture is None or self.busy:
            return
        served = self._providers_serving(picture.model)
        others = [
            p
            for p in self.policy_picker.providers()
            if p != picture.provider and (served is None or p in served)
        ]
        if not others:
            who = provider_label(picture.provider) if picture.provider else "this provider"
            self.message_bar.show_error(
                f"No provider other than {who} that makes pictures with this model is switched "
                "on; switch one on or add its key on the Providers page.",
                FixAction.OPEN_PROVIDERS,
            )
            return
        policy = self.policy_picker.current_policy()
        self._fill_form(picture, seed=picture.seed)
        self.policy_picker.set_policy(policy)  # the form is refilled; the tab's choice is not
        self._start(self.form.request(picture.model, others[0]))

    def _providers_serving(self, model: str) -> set[str] | None:
        """Who serves ``model`` for pictures, from the cached mapping (None: not known)."""
        mapping = self.services.catalog.cached(model)
        if mapping is None:
            return None
        return {m.provider for m in mapping if m.task in ("", Task.TEXT_TO_IMAGE.value)}

    # --- Making pictures ------------------------------------------------------------------

    def _begin(self, request: ImageRequest) -> None:
        task = self.scope.spawn(self._make(request), slot="make")
        self.run_button.track(task)
        self.result.set_busy(True)
        task.add_done_callback(self._on_make_done)

    def _on_make_done(self, _task: asyncio.Task[None]) -> None:
        if isValid(self):
            self.result.set_busy(False)

    def _expected_cost(self) -> Cost | None:
        """What the form would cost now (the hint under "Make image")."""
        model = self.model_picker.current_model()
        if not model:
            return None
        request = self.form.request(model, self.policy_picker.current_policy())
        return self.services.engine.costs.expected_media(
            Task(request.task),
            model,
            request.provider,
            count=request.count,
            width=request.width,
            height=request.height,
        )

    async def _make(self, request: ImageRequest) -> None:
        meter = self.services.engine.costs
        expected = meter.expected_media(
            Task(request.task),
            request.model,
            request.provider,
            count=request.count,
            width=request.width,
            height=request.height,
        )
        if not await confirm_cost(self, meter, expected, batch=request.count > 1):
            self.message_bar.show_info("Not started.")
            return
        self.progress.start(request.count)
        self.show_progress()
        try:
            result = await self.services.images.generate(
                request, on_attempt=self.progress.on_attempt
            )
        except asyncio.CancelledError:
            if isValid(self):
                self.message_bar.show_info("Stopped — nothing was made or saved.")
            raise
        finally:
            if isValid(self):
                self.progress.finish()
        if result.record_id:
            gen = await self.services.db.run(self.services.history.get_generation, result.record_id)
            pictures = pictures_of(gen) if gen is not None else []
            if pictures:
                self.model.prepend(pictures)
                self._select(pictures[0].key)
                self._show_count()
            self.generation_added.emit(result.record_id)
        if result.error:
            self.last_tried = {a.provider for a in result.trace.attempts}
            self.message_bar.show_error(result.error, result.error_action)

    # --- Gallery --------------------------------------------------------------------------

    async def _load_history(self) -> None:
        gens = await self._history()
        pictures = [p for gen in gens for p in pictures_of(gen)]
        selected = self.result.picture.key if self.result.picture else None
        self.model.set_pictures(pictures)
        self._show_count()
        if selected is not None:
            self._select(selected)
        elif pictures:
            self._select(pictures[0].key)

    def _show_count(self) -> None:
        n = self.model.rowCount()
        self.count_label.setText(f"{n} picture{'s' if n != 1 else ''}" if n else "")

    def _select(self, key: tuple[int, int]) -> None:
        row = self.model.row_of(key)
        if row < 0:
            return
        index = self.model.index(row)
        self.gallery.setCurrentIndex(index)
        self.gallery.scrollTo(index)

    def _on_selection_changed(self, selected: QItemSelection, _old: QItemSelection) -> None:
        row = task_page.first_row(selected)
        picture = self.model.picture(row) if row is not None else None
        if picture is None:
            return
        self.result.show_picture(picture)
        self.scope.spawn(self._show_large(picture), slot="preview")

    async def _show_large(self, picture: Picture) -> None:
        self.scope.cancel("preview-redecode")  # for the picture shown before
        try:
            fitted = await self.preview_loader.decode(picture.path)
        except ImageLoadError as exc:
            log.info("Cannot show the picture: %s", exc)
            fitted = None
        if self.result.picture is not picture:
            return  # another tile was chosen meanwhile
        if fitted is None:
            self.result.set_image(None, picture.path)
        else:
            self.result.set_image(fitted.image, picture.path, full_size(fitted))

    def _shown_large(self, path: str) -> bool:
        """True when ``path`` is the picture shown large (a drag of it offers its pixels)."""
        preview = self.result.preview
        return preview.image is not None and preview.path == path

    # --- Actions --------------------------------------------------------------------------

    def _fill_form(self, picture: Picture, *, seed: int | None) -> None:
        params = dict(picture.params)
        params.setdefault("prompt", picture.prompt)
        self.form.apply(params, seed=seed)
        task_page.fill_pickers(self.model_picker, self.policy_picker, params, picture.model)

    async def _reuse_generation(self, generation_id: int) -> None:
        gen = await self._stored(generation_id, "That picture is no longer in the library.")
        if gen is None:
            return
        pictures = pictures_of(gen)
        if pictures:
            self._select(pictures[0].key)
            self._fill_form(pictures[0], seed=pictures[0].seed)
        else:
            params = dict(gen.params)
            params.setdefault("prompt", gen.prompt)
            self.form.apply(params)
            if gen.model:
                self.model_picker.set_current_model(gen.model)
        self.form.prompt.setFocus()

    async def _save(self, picture: Picture) -> None:
        suffix = Path(picture.path).suffix or ".png"
        extra = str(picture.seed) if picture.seed is not None else ""
        name = suggested_name(picture.prompt, suffix, extra)
        await task_page.save_result_copy(
            self,
            self.services,
            self.message_bar,
            picture.path,
            name,
            IMAGE_FILTER,
            PICTURES,
            "The picture",
        )

    async def _copy(self, path: str) -> None:
        try:
            await copy_image(self.services.run_blocking, path)
        except OSError as exc:
            self.message_bar.show_error(f"The picture could not be copied: {exc}.")
            return
        button = self.result.copy_button
        button.setText("Copied")

        def restore() -> None:
            if isValid(button):
                button.setText("Copy")

        QTimer.singleShot(1200, restore)

    def _on_model_changed(self, model: str) -> None:
        self.form.set_model(model.strip())
