"""The Providers page and the first-launch panel: tokens, keyring trouble, custom servers."""

from __future__ import annotations

from collections.abc import Callable

import keyring
import pytest
import qasync
from keyring.backend import KeyringBackend
from keyring.errors import PasswordSetError
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMessageBox

from desktop.core.table import HF_CREDENTIAL
from desktop.store.settings import CustomEndpoint, SettingsError
from desktop.ui.main_window import MainWindow
from desktop.ui.providers.custom_dialog import CustomEndpointDialog, parse_model_map
from desktop.ui.providers.page import replace_custom
from tests.emulator.server import Emulator
from tests.memory_keyring import MemoryKeyring
from tests.ui.conftest import until

SECRET = "hf_thisIsAVerySecretTokenValue1234567890"


def visible_texts(window: MainWindow) -> list[str]:
    """Every text a line edit or label in the window holds (shown or placeholder)."""
    texts = []
    for edit in window.findChildren(QLineEdit):
        texts += [edit.text(), edit.displayText(), edit.placeholderText()]
    texts += [label.text() for label in window.findChildren(QLabel)]
    return texts


def test_first_launch_panel_without_any_credentials(
    make_window: Callable[..., MainWindow],
) -> None:
    window = make_window({})
    chat = window.chat
    assert chat.stack.currentWidget() is chat.empty
    assert chat.empty.showing_first_launch
    assert "huggingface.co/settings/tokens" in chat.empty.first_launch.text()
    assert "Make calls to Inference Providers" in chat.empty.first_launch.text()
    chat.empty.add_token_button.click()
    assert window.tabs.currentWidget() is window.providers


def test_first_launch_panel_hidden_with_a_token(make_window: Callable[..., MainWindow]) -> None:
    window = make_window({"HF_TOKEN": SECRET})
    assert not window.chat.empty.showing_first_launch
    assert window.chat.empty.ready.isVisibleTo(window.chat.empty)


def test_saving_the_token_never_shows_it_back(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow], emulator: Emulator
) -> None:
    # The saved token is checked at once; here nobody answers (this test is about the field).
    window = make_window({"HF_ENDPOINT": emulator.closed_url()})
    page = window.providers
    row = page.token_row
    assert window.chat.empty.showing_first_launch
    row.field.setText(SECRET)
    assert row.field.echoMode() == QLineEdit.EchoMode.Password
    row.save_button.click()
    until(loop, lambda: row.status.text() == "Saved in the system keyring")
    # Whatever the check found, it is said and the token itself is never in it.
    until(loop, lambda: "Token saved." in page.message_bar.text_label.text(), timeout=30)

    assert row.field.text() == ""
    assert all(SECRET not in text for text in visible_texts(window))
    assert keyring.get_password("switchboard", HF_CREDENTIAL) == SECRET
    assert window.services.credentials.hf_token() == SECRET
    # The chat now knows a credential exists: no more first-launch panel.
    assert not window.chat.empty.showing_first_launch
    assert row.remove_button.isEnabled()

    row.remove_button.click()
    until(loop, lambda: row.status.text() == "Not set")
    assert keyring.get_password("switchboard", HF_CREDENTIAL) is None
    assert window.chat.empty.showing_first_launch


def test_token_from_the_environment_is_named_not_shown(
    make_window: Callable[..., MainWindow],
) -> None:
    window = make_window({"HF_TOKEN": SECRET})
    row = window.providers.token_row
    assert row.status.text() == "Set outside Switchboard (in the environment)"
    assert "HF_TOKEN" in row.status.toolTip()  # the variable's name is for the curious only
    assert row.field.text() == ""
    assert not row.remove_button.isEnabled()
    assert all(SECRET not in text for text in visible_texts(window))


class RefusingKeyring(MemoryKeyring):
    """A keyring that cannot store anything (locked, or no Secret Service)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError("Prompt dismissed")


def test_keyring_failure_is_said_in_a_banner(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow]
) -> None:
    backend: KeyringBackend = RefusingKeyring()
    keyring.set_keyring(backend)
    window = make_window({})
    page = window.providers
    page.token_row.field.setText(SECRET)
    page.token_row.save_button.click()
    until(loop, lambda: page.message_bar.isVisibleTo(page))
    message = page.message_bar.text_label.text()
    assert message
    assert SECRET not in message
    assert page.token_row.status.text() == "Not set"


def test_provider_key_row_follows_the_selection(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow], emulator: Emulator
) -> None:
    window = make_window({"SWITCHBOARD_TOGETHER_URL": emulator.closed_url()})
    page = window.providers
    page.select_provider("together")
    details = page.details
    assert details.provider_id == "together"
    assert details.key_row.isVisibleTo(details)
    details.key_row.field.setText("together-secret")
    details.key_row.save_button.click()
    until(loop, lambda: details.key_row.status.text() == "Saved in the system keyring")
    until(loop, lambda: "Together AI key saved" in page.message_bar.text_label.text(), timeout=30)
    assert details.key_row.field.text() == ""
    assert window.services.credentials.provider_key("together") == "together-secret"
    page.select_provider("hf-inference")
    assert not details.key_row.isVisibleTo(details)  # reached only with the HF token


def test_move_buttons_reorder_and_save(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window({})
    page = window.providers
    second = page.model.ids[1]
    page.list.setCurrentIndex(page.model.index(1, 0))
    page.up_button.click()
    assert page.model.ids[0] == second
    assert window.services.settings.ordered_providers()[0] == second
    assert window.services.settings_store.load().ordered_providers()[0] == second


def test_custom_server_dialog_shows_the_settings_sentence(qapp: QApplication) -> None:
    def refuse(endpoint: CustomEndpoint) -> None:
        raise SettingsError("The address must start with http:// or https://.")

    dialog = CustomEndpointDialog(refuse)
    dialog.name.setText("box")
    dialog.base_url.setText("localhost")
    dialog.accept()
    assert dialog.isVisible() or dialog.result() != dialog.DialogCode.Accepted
    assert dialog.error.text_label.text() == "The address must start with http:// or https://."
    assert dialog.result_endpoint is None
    dialog.deleteLater()


def test_model_map_lines() -> None:
    assert parse_model_map("llama3=llama3.1:8b\n\nqwen2.5:7b\n# note") == {
        "llama3": "llama3.1:8b",
        "qwen2.5:7b": "qwen2.5:7b",
    }
    with pytest.raises(SettingsError, match="Line 1"):
        parse_model_map("=served")


def test_add_a_local_server_from_the_first_launch_panel(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window({})
    window.chat.empty.add_server_button.click()
    until(
        loop,
        lambda: (
            isinstance(QApplication.activeModalWidget(), CustomEndpointDialog)
            or bool(window.findChildren(CustomEndpointDialog))
        ),
    )
    dialog = window.findChildren(CustomEndpointDialog)[0]
    dialog.name.setText("ollama")
    dialog.base_url.setText("http://localhost:11434/v1")
    dialog.models.setPlainText("llama3=llama3.1:8b")
    dialog.accept()
    until(
        loop,
        lambda: (
            window.services.settings.custom("ollama") is not None
            and not window.chat.empty.showing_first_launch
        ),
    )
    assert window.providers.model.ids[-1] == "ollama"
    assert window.services.settings_store.load().custom("ollama") is not None
    providers = [
        window.chat.provider_picker.itemData(i) for i in range(window.chat.provider_picker.count())
    ]
    assert "ollama" in providers


def test_replace_custom_keeps_position_and_restores_on_error(
    open_services: Callable[..., object],
) -> None:
    from desktop.services import Services

    services = open_services({})
    assert isinstance(services, Services)
    settings = services.settings
    settings.add_custom(CustomEndpoint("box", "http://localhost:8000/v1"))
    settings.set_order(["box", "groq"])
    old = settings.custom("box")
    assert old is not None
    replace_custom(services, old, CustomEndpoint("box2", "http://localhost:8001/v1"))
    assert settings.ordered_providers()[:2] == ["box2", "groq"]
    renamed = settings.custom("box2")
    assert renamed is not None
    with pytest.raises(SettingsError):
        replace_custom(services, renamed, CustomEndpoint("groq", "http://x"))
    assert settings.ordered_providers()[:2] == ["box2", "groq"]
    assert settings.custom("box2") is not None


def test_removing_a_server_asks_first(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window({})
    settings = window.services.settings
    settings.add_custom(CustomEndpoint("box", "http://localhost:8000/v1"))
    window.providers.model.reload()
    window.providers.select_provider("box")
    window.providers.details.remove_requested.emit("box")
    until(loop, lambda: bool(window.providers.findChildren(QMessageBox)))
    box = window.providers.findChildren(QMessageBox)[0]
    remove = next(b for b in box.buttons() if b.text() == "Remove")
    remove.click()
    until(loop, lambda: settings.custom("box") is None)
    assert "box" not in window.providers.model.ids


def test_switching_a_provider_off_removes_it_from_the_chat_picker(
    make_window: Callable[..., MainWindow],
) -> None:
    window = make_window({"HF_TOKEN": SECRET})
    picker = window.chat.provider_picker
    offered = [picker.itemData(i) for i in range(picker.count())]
    assert offered[:4] == ["auto", "fastest", "cheapest", "hf-auto"]
    assert "groq" in offered and "fal-ai" not in offered  # fal does not chat
    model = window.providers.model
    index = model.index(model.row_of("groq"), 0)
    model.setData(index, Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    offered = [picker.itemData(i) for i in range(picker.count())]
    assert "groq" not in offered


def test_health_of_a_resting_provider_is_shown(make_window: Callable[..., MainWindow]) -> None:
    from desktop.core.trace import Outcome
    from desktop.ui.widgets.two_line_delegate import NOTE_ROLE

    window = make_window({"HF_TOKEN": SECRET})
    page = window.providers
    health = window.services.health
    health.record(health.key("groq", HF_CREDENTIAL), Outcome.RATE_LIMITED, retry_after_s=30)
    page.select_provider("groq")
    page.refresh_health()
    assert page.details.health.text().startswith("Health: Resting for 30 s (rate-limited)")
    row = page.model.row_of("groq")
    assert "resting 30 s" in page.model.index(row, 0).data(NOTE_ROLE)


def test_latency_mode_switch_is_saved(make_window: Callable[..., MainWindow]) -> None:
    window = make_window({"HF_TOKEN": SECRET})
    assert not window.services.settings.latency_mode
    window.providers.latency.setChecked(True)
    assert window.services.settings.latency_mode
    reloaded = window.services.settings_store.load()
    assert reloaded.latency_mode


def _save_token(loop: qasync.QEventLoop, window: MainWindow, token: str) -> str:
    page = window.providers
    page.token_row.field.setText(token)
    page.token_row.save_button.click()
    until(loop, lambda: "oken" in page.message_bar.text_label.text(), timeout=30)
    return page.message_bar.text_label.text()


def test_a_saved_token_is_checked_and_its_owner_named(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow], emulator: Emulator
) -> None:
    window = make_window(emulator.env())
    text = _save_token(loop, window, emulator.HF_TOKEN)
    assert text == "Token saved. It belongs to emulated-user and can call Inference Providers."
    assert window.providers.message_bar.kind == "info"
    assert emulator.HF_TOKEN not in text


def test_a_refused_token_says_so_and_what_to_do(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow], emulator: Emulator
) -> None:
    window = make_window(emulator.env())
    text = _save_token(loop, window, SECRET)
    assert text.startswith("Hugging Face refused this token")
    assert "huggingface.co/settings/tokens" in text and SECRET not in text
    assert "401" not in text
    assert window.providers.message_bar.kind == "error"


def test_a_token_without_the_inference_right_names_the_box_to_tick(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow], emulator: Emulator
) -> None:
    limited = "hf_limitedTokenWithoutInference0123456789"
    emulator.limit_token(limited)
    window = make_window(emulator.env())
    text = _save_token(loop, window, limited)
    assert "may not call Inference Providers" in text
    assert "Make calls to Inference Providers" in text


def test_a_providers_own_key_is_checked_when_saved(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow], emulator: Emulator
) -> None:
    window = make_window(emulator.env())
    page = window.providers
    page.select_provider("groq")
    row = page.details.key_row
    row.field.setText("not-the-groq-key")
    row.save_button.click()
    until(loop, lambda: "Groq refused this key" in page.message_bar.text_label.text(), timeout=30)
    row.field.setText(emulator.direct_key("groq"))
    row.save_button.click()
    accepted = "Groq key saved and accepted by Groq."
    until(loop, lambda: page.message_bar.text_label.text() == accepted, timeout=30)


def test_provider_details_keep_variable_names_out_of_the_main_text(
    make_window: Callable[..., MainWindow],
) -> None:
    window = make_window({})
    page = window.providers
    page.select_provider("groq")
    assert "GROQ_API_KEY" not in page.details.how.text()
    assert "GROQ_API_KEY" in page.details.how.toolTip()
    assert "Latency" not in page.latency.text()


def test_try_again_now_ends_a_providers_rest(make_window: Callable[..., MainWindow]) -> None:
    from desktop.core.trace import Outcome
    from desktop.engine.health import CLOSED

    window = make_window({"HF_TOKEN": SECRET})
    page = window.providers
    health = window.services.health
    key = health.key("groq", HF_CREDENTIAL)
    page.select_provider("groq")
    page.refresh_health()
    assert not page.details.try_again.isVisibleTo(page.details)  # nothing to end
    health.record(key, Outcome.RATE_LIMITED, retry_after_s=300)
    page.refresh_health()
    assert page.details.try_again.isVisibleTo(page.details)
    page.details.try_again.click()
    assert health.state(key) == CLOSED
    assert not page.details.try_again.isVisibleTo(page.details)
    assert "Resting" not in page.details.health.text()


def test_a_refused_hf_token_shows_every_routed_provider_resting(
    make_window: Callable[..., MainWindow],
) -> None:
    from desktop.core.trace import Outcome

    window = make_window({"HF_TOKEN": SECRET})
    page = window.providers
    window.services.health.rest_credential(HF_CREDENTIAL, Outcome.AUTH)
    page.select_provider("cerebras")
    page.refresh_health()
    assert page.details.health.text().startswith(
        "Health: Resting for 60 min (Hugging Face refused the token)"
    )
    page.details.try_again.click()
    assert "Resting" not in page.details.health.text()


def test_restart_setting_is_saved(make_window: Callable[..., MainWindow]) -> None:
    window = make_window({"HF_TOKEN": SECRET})
    assert window.services.settings.restart_cut_answers  # on by default
    window.providers.restart_cut.setChecked(False)
    assert not window.services.settings.restart_cut_answers
    assert not window.services.settings_store.load().restart_cut_answers
