"""``switchboard providers …``: list, order, enable and configure providers and their keys.

The same settings file and keyring as the window's Providers page; keys are read from
standard input, never from the command line (where ``ps`` and the shell history see them).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from desktop.cli_text import json_text
from desktop.core.base_urls import shown, split_credentials
from desktop.core.errors import SwitchboardError
from desktop.core.table import HF_CREDENTIAL, PROVIDERS, provider_label

if TYPE_CHECKING:  # imported when a command runs: the light commands stay light (issue 8)
    from desktop.services import Services


class ProvidersCliError(SwitchboardError):
    """A one-line error for stderr."""


def _credential_user(ident: str) -> str:
    return HF_CREDENTIAL if ident in ("hf", "huggingface", "hf-token") else ident


async def run(services: Services, args: argparse.Namespace) -> int:
    settings = services.settings
    action = args.action
    if action == "list":
        rows = _provider_rows(services)
        if args.json:
            print(json_text(rows))
        else:
            hf = services.credentials.info(HF_CREDENTIAL)
            if services.credentials.keyring_locked:
                print(f"switchboard: {services.credentials.keyring_error}", file=sys.stderr)
            state = "unknown (keyring locked)" if hf.locked else "not set"
            print(f"Hugging Face token: {_source_text(hf.source) if hf.present else state}")
            for i, row in enumerate(rows, 1):
                state = "on " if row["enabled"] else "off"
                health = f"  [{row['health']}]" if row["health"] else ""
                print(f"{i:2}. [{state}] {row['id']:<16} {row['label']:<18} {row['reach']}{health}")
        return 0
    if action == "order":
        settings.set_order(list(args.ids))
        services.save_settings()
        print("Order saved: " + ", ".join(settings.ordered_providers()))
        return 0
    if action in ("enable", "disable"):
        _check_known(services, args.id)
        disabled = set(settings.disabled)
        (disabled.discard if action == "enable" else disabled.add)(args.id)
        settings.disabled = sorted(disabled)
        services.save_settings()
        return 0
    if action == "set-key":
        user = _credential_user(args.id)
        if user != HF_CREDENTIAL:
            _check_known(services, user)
        secret = sys.stdin.readline().strip()
        if not secret:
            raise ProvidersCliError("no key was given on standard input.")
        await services.set_secret(user, secret)
        print(f"Saved the key for {provider_label(user)} in the system keyring.")
        return 0
    if action == "delete-key":
        await services.delete_secret(_credential_user(args.id))
        return 0
    if action == "add-custom":
        models: dict[str, str] = {}
        for item in args.model:
            alias, sep, served = item.partition("=")
            if not alias.strip():
                raise ProvidersCliError(f"--model {item!r} should look like ALIAS=SERVED_NAME.")
            models[alias.strip()] = (served if sep else alias).strip() or alias.strip()
        from desktop.store.settings import CustomEndpoint

        url, key_in_url = split_credentials(args.url)
        stored = settings.add_custom(
            CustomEndpoint(
                name=args.name,
                base_url=url,
                models=models,
                needs_key=args.needs_key or key_in_url is not None,
            )
        )
        services.save_settings()
        if key_in_url is not None:
            await services.set_secret(stored.name, key_in_url)
            print("The key in the address was moved to the system keyring.", file=sys.stderr)
        print(f"Added {stored.name}.")
        return 0
    if action == "remove":
        if settings.custom(args.name) is None:
            raise ProvidersCliError(f"there is no custom server called {args.name!r}.")
        settings.remove_custom(args.name)
        services.save_settings()
        await services.delete_secret(args.name)
        print(f"Removed {args.name}.")
        return 0
    raise ProvidersCliError(f"unknown providers action {action!r}.")


def _check_known(services: Services, ident: str) -> None:
    if ident not in PROVIDERS and services.settings.custom(ident) is None:
        raise ProvidersCliError(
            f"there is no provider called {ident!r}; see 'switchboard providers list'."
        )


def _source_text(source: str | None) -> str:
    if source and source.startswith("env:"):
        return f"from ${source[4:]}"
    return "in the system keyring"


def _provider_rows(services: Services) -> list[dict[str, Any]]:
    from desktop.engine.health_summary import provider_health, reached_with

    settings = services.settings
    creds = services.credentials
    has_hf = creds.info(HF_CREDENTIAL).present
    rows = []
    for ident in settings.ordered_providers():
        spec = PROVIDERS.get(ident)
        custom = settings.custom(ident)
        info = creds.info(ident)
        if custom is not None:
            reach = "custom server " + shown(custom.base_url)
        elif info.present:
            reach = "own key (" + _source_text(info.source) + ")"
        elif spec is not None and spec.routed and has_hf:
            reach = "via Hugging Face token"
        elif spec is not None and not spec.routed:
            reach = "needs its own key (HF no longer routes it)"
        else:
            reach = "no key"
        rows.append(
            {
                "id": ident,
                "label": provider_label(ident),
                "enabled": settings.is_enabled(ident),
                "custom": custom is not None,
                "key": None if info.locked else info.present,
                "reach": reach,
                "tasks": sorted(s.value for s in spec.tasks) if spec else ["conversational"],
                "health": provider_health(
                    services.health, ident, reached_with(services.credentials, ident)
                ).short(),
            }
        )
    return rows
