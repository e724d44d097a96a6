"""The Providers tab: the HF token, the preference order with on/off switches, per-provider
keys, and custom servers.

Why it looks like this: most people need exactly one thing here, the HF token, so it comes
first. The order list is what the engine follows for "Auto"; changes are saved the moment
they happen. Keyring calls run in the thread pool, and when the keyring is missing or refuses,
a banner says so in one sentence instead of failing silently (desktop-apps.md §2, "Secrets").
"""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.core.table import HF_CREDENTIAL, PROVIDERS, provider_label
from desktop.engine.health import OPEN
from desktop.engine.health_summary import provider_health, reached_with, try_again_now
from desktop.engine.key_check import check_saved
from desktop.services import Services
from desktop.store.keyring_setup import last_report
from desktop.store.settings import CustomEndpoint, SettingsError
from desktop.ui.about import AboutDialog
from desktop.ui.chat.welcome import TOKEN_LINK_TEXT, TOKEN_URL
from desktop.ui.confirm import confirm
from desktop.ui.costs.billing import BillingBox
from desktop.ui.costs.panel import CostsPanel
from desktop.ui.providers.custom_dialog import CustomEndpointDialog
from desktop.ui.providers.descriptions import description, reach, reach_tooltip, tasks
from desktop.ui.providers.order_model import ID_ROLE, ProviderOrderModel
from desktop.ui.providers.secret_row import SecretRow
from desktop.ui.tasks import TaskScope, run_dialog
from desktop.ui.theme import THEMES, set_theme
from desktop.ui.widgets import tab_order
from desktop.ui.widgets.labels import MutedLabel, heading, wrapped
from desktop.ui.widgets.message_bar import MessageBar
from desktop.ui.widgets.two_line_delegate import TwoLineDelegate

log = logging.getLogger(__name__)

TOKEN_HELP = (
    f'Create one at <a href="{TOKEN_URL}">{TOKEN_LINK_TEXT}</a> with the '
    "“Make calls to Inference Providers” "
    "permission. One token reaches most providers below, billed to your HF account."
)


class ProviderDetails(QFrame):
    """What the selected provider is, how it is reached, and its own key or server settings.

    Signals:
        edit_requested(str), remove_requested(str): for custom servers.
    """

    edit_requested = Signal(str)
    remove_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.provider_id = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(6)
        self.name = heading("", self)
        layout.addWidget(self.name)
        self.ident = MutedLabel("", self)
        self.ident.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.ident)
        self.about = wrapped(QLabel("", self))
        layout.addWidget(self.about)
        self.how = wrapped(MutedLabel("", self))
        layout.addWidget(self.how)
        self.health = wrapped(QLabel("", self))
        self.health.setAccessibleName("Provider health")
        layout.addWidget(self.health)
        self.try_again = QPushButton("Try again now", self)
        self.try_again.setToolTip(
            "End this provider's rest: the next request asks it again in your order"
        )
        self.try_again.clicked.connect(self._on_try_again)
        self.try_again.hide()
        layout.addWidget(self.try_again, 0, Qt.AlignmentFlag.AlignLeft)
        self._services: Services | None = None
        layout.addSpacing(6)
        self.key_title = QLabel("", self)
        layout.addWidget(self.key_title)
        self.key_row = SecretRow("", "key", self, narrow=True)
        layout.addWidget(self.key_row)
        self.server_buttons = QWidget(self)
        buttons = QHBoxLayout(self.server_buttons)
        buttons.setContentsMargins(0, 6, 0, 0)
        edit = QPushButton("Edit…", self.server_buttons)
        edit.clicked.connect(lambda: self.edit_requested.emit(self.provider_id))
        remove = QPushButton("Remove server", self.server_buttons)
        remove.clicked.connect(lambda: self.remove_requested.emit(self.provider_id))
        buttons.addWidget(edit)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout.addWidget(self.server_buttons)
        layout.addStretch(1)

    def show_provider(self, services: Services, provider_id: str) -> None:
        self.provider_id = provider_id
        settings = services.settings
        custom = settings.custom(provider_id)
        spec = PROVIDERS.get(provider_id)
        if custom is not None:
            self.name.setText(provider_id)
            self.ident.setText(custom.base_url)
            models = ", ".join(custom.models) or "any model name you type"
            self.about.setText(f"Your server. Models: {models}.")
        else:
            self.name.setText(provider_label(provider_id))
            self.ident.setText(f"{provider_id} · {tasks(provider_id)}")
            self.about.setText(description(provider_id))
        self.how.setText(reach(provider_id))
        self.how.setToolTip(reach_tooltip(provider_id))
        self.show_health(services)
        own_key_possible = (custom is not None and custom.needs_key) or (
            spec is not None and spec.direct_base is not None
        )
        self.key_title.setVisible(own_key_possible)
        self.key_row.setVisible(own_key_possible)
        if own_key_possible:
            label = provider_id if custom else provider_label(provider_id)
            self.key_title.setText(f"{label} API key")
            if self.key_row.user != provider_id:
                self.key_row.set_user(provider_id, f"{label} key")
            self.key_row.show_info(services.credentials.info(provider_id))
        self.server_buttons.setVisible(custom is not None)

    def show_health(self, services: Services) -> None:
        """Breaker state, cooldown left, typical time to first token, recent success rate."""
        self._services = services
        if self.provider_id:
            creds = reached_with(services.credentials, self.provider_id)
            view = provider_health(services.health, self.provider_id, creds)
            self.health.setText("Health: " + view.sentence())
            self.try_again.setVisible(view.state == OPEN)

    def _on_try_again(self) -> None:
        services = self._services
        if services is None or not self.provider_id:
            return
        try_again_now(services.health, services.credentials, self.provider_id)
        self.show_health(services)


class ProvidersPage(QWidget):
    """Tokens, keys, order and custom servers.

    Signals:
        settings_changed(): order, switches or custom servers changed (already saved).
        credentials_changed(): a token or key was saved or removed.
    """

    settings_changed = Signal()
    credentials_changed = Signal()

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.scope = TaskScope("providers")
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the controls, which it shows
        content = QWidget(scroll)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(24, 18, 24, 18)
        layout.setSpacing(10)

        self.message_bar = MessageBar(content)
        layout.addWidget(self.message_bar)

        layout.addWidget(heading("Hugging Face token", content))
        layout.addWidget(wrapped(MutedLabel(TOKEN_HELP, content)))
        self.token_row = SecretRow(HF_CREDENTIAL, "Hugging Face token", content)
        self.token_row.save_requested.connect(self._on_save_requested)
        self.token_row.remove_requested.connect(self._on_remove_requested)
        layout.addWidget(self.token_row)
        layout.addSpacing(12)

        layout.addWidget(heading("Providers", content))
        layout.addWidget(
            wrapped(
                MutedLabel(
                    "“Auto” tries them from the top: drag to reorder, untick to switch one "
                    "off. Changes apply to the next request.",
                    content,
                )
            )
        )
        row = QHBoxLayout()
        row.setSpacing(16)
        left = QVBoxLayout()
        self.model = ProviderOrderModel(
            services.settings,
            services.credentials,
            services.save_settings,
            self,
            health=services.health,
        )
        self.model.changed.connect(self.settings_changed)
        self.list = QListView(content)
        self.list.setModel(self.model)
        self.list.setItemDelegate(TwoLineDelegate(self.list))
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setDragDropOverwriteMode(False)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setMinimumHeight(380)
        self.list.setMinimumWidth(380)
        self.list.setAccessibleName("Provider order")
        self.list.selectionModel().selectionChanged.connect(self._on_selection_changed)
        left.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        self.up_button = QPushButton("Move up", content)
        self.up_button.clicked.connect(lambda: self._move_selected(-1))
        self.down_button = QPushButton("Move down", content)
        self.down_button.clicked.connect(lambda: self._move_selected(+1))
        buttons.addWidget(self.up_button)
        buttons.addWidget(self.down_button)
        buttons.addStretch(1)
        self.add_button = QPushButton("Add a server…", content)
        self.add_button.setToolTip(
            "Add Ollama, LM Studio, llama.cpp, vLLM or any OpenAI-compatible server"
        )
        self.add_button.clicked.connect(self.add_custom_endpoint)
        buttons.addWidget(self.add_button)
        left.addLayout(buttons)
        self.latency = QCheckBox(
            "Faster chat answers: when a provider is slow to start, ask the next one too",
            content,
        )
        self.latency.setToolTip(
            "Keeps whichever answer starts first and stops the other at once. Happens in at "
            "most 5 % of chats, and may cost up to one extra prompt."
        )
        self.latency.setChecked(services.settings.latency_mode)
        self.latency.toggled.connect(self._on_latency_toggled)
        left.addWidget(self.latency)
        self.restart_cut = QCheckBox(
            "When an answer breaks off mid-way, ask the next provider from the start and "
            "show its complete answer",
            content,
        )
        self.restart_cut.setToolTip(
            "Off: keep the partial answer, marked as interrupted, with a Retry button."
        )
        self.restart_cut.setChecked(services.settings.restart_cut_answers)
        self.restart_cut.toggled.connect(self._on_restart_cut_toggled)
        left.addWidget(self.restart_cut)
        look = QHBoxLayout()
        look_label = QLabel("Appearance:", content)
        self.theme_picker = QComboBox(content)
        self.theme_picker.setAccessibleName("Appearance")
        for value, label in THEMES.items():
            self.theme_picker.addItem(label, value)
        self.theme_picker.setCurrentIndex(
            max(0, self.theme_picker.findData(services.settings.theme))
        )
        self.theme_picker.setToolTip("Follow the system's light or dark setting, or pick one")
        self.theme_picker.currentIndexChanged.connect(self._on_theme_chosen)
        look_label.setBuddy(self.theme_picker)
        look.addWidget(look_label)
        look.addWidget(self.theme_picker)
        look.addStretch(1)
        left.addLayout(look)
        row.addLayout(left, 3)
        self.details = ProviderDetails(content)
        self.details.key_row.save_requested.connect(self._on_save_requested)
        self.details.key_row.remove_requested.connect(self._on_remove_requested)
        self.details.edit_requested.connect(self._on_edit_requested)
        self.details.remove_requested.connect(self._on_remove_server_requested)
        row.addWidget(self.details, 2)
        layout.addLayout(row, 1)
        self.billing = BillingBox(services, content)
        layout.addWidget(self.billing)
        self.costs = CostsPanel(services, content)
        layout.addWidget(self.costs)
        self.billing.changed.connect(self.costs.refresh)
        about_row = QHBoxLayout()
        about_row.addStretch(1)
        self.about_button = QPushButton("About Switchboard…", content)
        self.about_button.setToolTip("Version, where your files are, the keyring, licences")
        self.about_button.clicked.connect(self.show_about)
        about_row.addWidget(self.about_button)
        layout.addLayout(about_row)
        self.about_dialog: AboutDialog | None = None
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        tab_order.follow(
            self.message_bar,
            self.token_row,
            self.list,
            self.details,  # beside the list
            self.up_button,
            self.down_button,
            self.add_button,
            self.latency,
            self.restart_cut,
            self.theme_picker,
            self.billing,
            self.costs,
            self.about_button,
        )

        self.refresh_credentials()
        self.list.setCurrentIndex(self.model.index(0, 0))
        # Cooldowns count down and answers change the numbers: refresh while visible.
        self._health_timer = QTimer(self)
        self._health_timer.setInterval(1000)
        self._health_timer.timeout.connect(self.refresh_health)

    # --- Public API -----------------------------------------------------------------------

    def refresh_credentials(self, *, show_keyring_error: bool = True) -> None:
        """Show where each credential comes from, and the keyring problem if there is one."""
        credentials = self.services.credentials
        self.token_row.show_info(credentials.info(HF_CREDENTIAL))
        self.model.refresh_status()
        if self.details.provider_id:
            self.details.show_provider(self.services, self.details.provider_id)
        if show_keyring_error and credentials.keyring_error:
            self.message_bar.show_error(credentials.keyring_error)

    def show_about(self) -> None:
        """Open (or raise) the About box with the start-up keyring self-test's result."""
        if self.about_dialog is None:
            self.about_dialog = AboutDialog(self.services.paths, last_report(), self)
        self.about_dialog.open()
        self.about_dialog.raise_()

    def refresh_health(self) -> None:
        self.model.refresh_status()
        self.details.show_health(self.services)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh_health()
        self._health_timer.start()
        self.costs.refresh()

    def hideEvent(self, event: QHideEvent) -> None:
        self._health_timer.stop()
        super().hideEvent(event)

    def _on_latency_toggled(self, on: bool) -> None:
        self.services.settings.latency_mode = on
        self.services.save_settings()
        self.settings_changed.emit()

    def _on_restart_cut_toggled(self, on: bool) -> None:
        self.services.settings.restart_cut_answers = on
        self.services.save_settings()
        self.settings_changed.emit()

    def _on_theme_chosen(self, _index: int) -> None:
        choice = str(self.theme_picker.currentData())
        self.services.settings.theme = choice
        self.services.save_settings()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            set_theme(app, choice)

    def focus_token(self) -> None:
        """Put the cursor in the HF token field (from "Add a token")."""
        self.token_row.field.setFocus(Qt.FocusReason.OtherFocusReason)

    def add_custom_endpoint(self) -> None:
        self.scope.spawn(self._add_custom(), slot="dialog")

    def select_provider(self, provider_id: str) -> None:
        row = self.model.row_of(provider_id)
        if row >= 0:
            self.list.setCurrentIndex(self.model.index(row, 0))

    async def aclose(self) -> None:
        await self.scope.aclose()

    # --- Secrets --------------------------------------------------------------------------

    def _row_for(self, user: str) -> SecretRow:
        return self.token_row if user == HF_CREDENTIAL else self.details.key_row

    def _on_save_requested(self, user: str, secret: str) -> None:
        self.scope.spawn(self._save_secret(user, secret), slot=f"secret:{user}")

    def _on_remove_requested(self, user: str) -> None:
        self.scope.spawn(self._remove_secret(user), slot=f"secret:{user}")

    async def _save_secret(self, user: str, secret: str) -> None:
        row = self._row_for(user)
        row.set_busy(True)
        try:
            await self.services.set_secret(user, secret)
        except Exception as exc:  # keyring backends raise many types; each is one sentence
            self.message_bar.show_error(str(exc) or "The system keyring refused to save the key.")
            return
        finally:
            row.set_busy(False)
        row.clear_field()
        self.message_bar.clear()
        self._after_credentials_changed()
        await self._check_saved(user, secret)  # removing it meanwhile cancels the check too

    async def _check_saved(self, user: str, secret: str) -> None:
        """Say at once whether the saved token or key works (never showing it)."""
        services = self.services
        # Its own thread, not the shared pool: a slow device probe or file job elsewhere must
        # not hold the answer back (one small request per save).
        check = await asyncio.to_thread(check_saved, services.endpoints, user, secret)
        if check is None:
            return
        if check.ok:
            self.message_bar.show_info(check.text)
        else:
            self.message_bar.show_error(check.text)

    async def _remove_secret(self, user: str) -> None:
        row = self._row_for(user)
        row.set_busy(True)
        try:
            await self.services.delete_secret(user)
        except Exception as exc:  # see _save_secret
            self.message_bar.show_error(str(exc) or "The system keyring refused to remove the key.")
            return
        finally:
            row.set_busy(False)
        self._after_credentials_changed()

    def retry_keyring(self) -> None:
        """Read the keyring again (after the person unlocked it)."""
        self.scope.spawn(self._retry_keyring(), slot="keyring")

    async def _retry_keyring(self) -> None:
        await self.services.refresh_credentials()
        self.message_bar.clear()
        self.refresh_credentials()
        self.credentials_changed.emit()

    def _after_credentials_changed(self) -> None:
        self.refresh_credentials(show_keyring_error=False)
        self.credentials_changed.emit()

    # --- Order ----------------------------------------------------------------------------

    def _on_selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes:
            return
        provider_id = indexes[0].data(ID_ROLE)
        if isinstance(provider_id, str):
            self.details.show_provider(self.services, provider_id)
        self._update_move_buttons()

    def _update_move_buttons(self) -> None:
        row = self.list.currentIndex().row()
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < self.model.rowCount() - 1)

    def _move_selected(self, step: int) -> None:
        row = self.list.currentIndex().row()
        if row < 0:
            return
        target = row - 1 if step < 0 else row + 2  # moveRows counts "before which row"
        if self.model.moveRows(QModelIndex(), row, 1, QModelIndex(), target):
            self.list.setCurrentIndex(self.model.index(row + step, 0))
        self._update_move_buttons()

    # --- Custom servers -------------------------------------------------------------------

    async def _add_custom(self) -> None:
        settings = self.services.settings

        def validate(endpoint: CustomEndpoint) -> None:
            settings.add_custom(endpoint)

        answer = await self._ask_endpoint(CustomEndpointDialog(validate, parent=self))
        if answer is None:
            return
        endpoint, key = answer
        stored = settings.custom(endpoint.name.strip())
        name = stored.name if stored else endpoint.name.strip()
        self.services.save_settings()
        self._after_servers_changed(name)
        if key:
            await self._save_secret(name, key)
        else:
            self._after_credentials_changed()

    async def _ask_endpoint(
        self, dialog: CustomEndpointDialog
    ) -> tuple[CustomEndpoint, str] | None:
        """The server the dialog was accepted with and the key typed (may be ""); None when
        cancelled."""
        code = await run_dialog(dialog)
        endpoint = dialog.result_endpoint
        key = dialog.typed_key()
        dialog.deleteLater()
        if code != QDialog.DialogCode.Accepted or endpoint is None:
            return None
        return endpoint, key

    def _on_edit_requested(self, name: str) -> None:
        self.scope.spawn(self._edit_custom(name), slot="dialog")

    async def _edit_custom(self, name: str) -> None:
        settings = self.services.settings
        old = settings.custom(name)
        if old is None:
            return
        credentials = self.services.credentials
        had_key = credentials.info(name).source == "keyring"

        def validate(endpoint: CustomEndpoint) -> None:
            replace_custom(self.services, old, endpoint)

        dialog = CustomEndpointDialog(validate, old, has_key=had_key, parent=self)
        answer = await self._ask_endpoint(dialog)
        if answer is None:
            return
        endpoint, key = answer
        new_name = endpoint.name.strip()
        self.services.save_settings()
        self._after_servers_changed(new_name)
        if not key and had_key and new_name != name:
            key = credentials.provider_key(name) or ""  # move the key to the new name
        if key:
            await self._save_secret(new_name, key)
        if had_key and new_name != name:
            await self._remove_secret(name)
        self._after_credentials_changed()

    def _on_remove_server_requested(self, name: str) -> None:
        self.scope.spawn(self._remove_custom(name), slot="dialog")

    async def _remove_custom(self, name: str) -> None:
        question = f"Remove the server “{name}”? Its key, if one is saved, is deleted too."
        if not await confirm(self, "Remove server", question, "Remove"):
            return
        settings = self.services.settings
        try:
            settings.remove_custom(name)
        except SettingsError as exc:
            self.message_bar.show_error(str(exc))
            return
        self.services.save_settings()
        self._after_servers_changed(None)
        if self.services.credentials.info(name).source == "keyring":
            await self._remove_secret(name)
        else:
            self._after_credentials_changed()

    def _after_servers_changed(self, select: str | None) -> None:
        self.model.reload()
        self.settings_changed.emit()
        if select is not None:
            self.select_provider(select)
        else:
            self.list.setCurrentIndex(self.model.index(0, 0))


def replace_custom(services: Services, old: CustomEndpoint, new: CustomEndpoint) -> None:
    """Swap ``old`` for ``new`` keeping its place in the order, its switch and the policy.

    On a validation error everything is put back as it was and the SettingsError propagates.
    """
    settings = services.settings
    saved = (
        list(settings.provider_order),
        list(settings.disabled),
        list(settings.custom_endpoints),
        settings.chat_policy,
    )
    order = settings.ordered_providers()
    settings.remove_custom(old.name)
    try:
        stored = settings.add_custom(new)
    except SettingsError:
        (
            settings.provider_order,
            settings.disabled,
            settings.custom_endpoints,
            settings.chat_policy,
        ) = saved
        raise
    settings.set_order([stored.name if pid == old.name else pid for pid in order])
    if old.name in saved[1]:
        settings.set_enabled(stored.name, False)
    if saved[3] == old.name:
        settings.chat_policy = stored.name
