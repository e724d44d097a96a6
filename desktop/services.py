"""The composition of engine and stores that both the window and the command line use.

No Qt here: ``app.py`` wraps this in a window, ``cli.py`` in commands. One shared HTTP client,
one thread pool for blocking work (keyring, Pillow, big SQLite reads), one settings object.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import httpx2

from desktop.core.base_urls import split_credentials
from desktop.core.table import HF_CREDENTIAL, Endpoints
from desktop.engine.catalog import ModelCatalog
from desktop.engine.conversations import ChatService
from desktop.engine.credentials import Credentials
from desktop.engine.embeddings import EmbedService
from desktop.engine.health import HealthBook
from desktop.engine.images import ImageService
from desktop.engine.router import Engine
from desktop.engine.speech import TranscribeService
from desktop.engine.video import VideoService
from desktop.store.history import HistoryStore
from desktop.store.jobs import JobStore
from desktop.store.media import MediaStore
from desktop.store.paths import AppPaths
from desktop.store.secrets import SecretStore, SecretStoreError
from desktop.store.settings import Settings, SettingsStore
from desktop.store.state import StateStore

T = TypeVar("T")


def make_http_client() -> httpx2.AsyncClient:
    """The one HTTP client: pooled, HTTP/1.1, no client-side total timeout.

    Deadlines are the engine's job (connect, time to first token, idle, total); the socket
    timeouts here are only a backstop for connect and pool waits.
    """
    return httpx2.AsyncClient(
        timeout=httpx2.Timeout(connect=5.0, read=None, write=30.0, pool=10.0),
        follow_redirects=False,
        limits=httpx2.Limits(max_connections=64, max_keepalive_connections=16),
        headers={"user-agent": "Switchboard/0.1"},
    )


@dataclass
class Services:
    """Everything a front end needs, opened together and closed together."""

    paths: AppPaths
    env: Mapping[str, str]
    endpoints: Endpoints
    settings_store: SettingsStore
    settings: Settings
    state: StateStore
    history: HistoryStore
    media: MediaStore
    secrets: SecretStore
    credentials: Credentials
    catalog: ModelCatalog
    health: HealthBook
    engine: Engine
    chat: ChatService
    client: httpx2.AsyncClient
    executor: ThreadPoolExecutor
    images: ImageService
    speech: TranscribeService
    embeddings: EmbedService
    jobs: JobStore
    video: VideoService

    @classmethod
    async def open(
        cls, paths: AppPaths | None = None, env: Mapping[str, str] | None = None
    ) -> Services:
        env = dict(os.environ if env is None else env)
        paths = paths or AppPaths.default()
        paths.ensure()
        executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="switchboard")
        endpoints = Endpoints.from_env(env)
        settings_store = SettingsStore(paths.settings_file)
        settings = settings_store.load()
        client = make_http_client()
        credentials = Credentials(env)
        secrets = SecretStore()
        history = HistoryStore(paths.history_db)
        jobs = JobStore(paths.jobs_db)
        media = MediaStore(paths.media_dir)
        catalog = ModelCatalog(client, endpoints, paths.catalogue_cache_dir, executor=executor)
        health = HealthBook(paths.health_file)
        services: Services

        def current_settings() -> Settings:
            return services.settings

        engine = Engine(
            client, endpoints, credentials, catalog, health, current_settings, executor=executor
        )
        engine.costs.attach(paths.data_dir, paths.config_dir)
        chat = ChatService(engine, history, media, executor)
        services = cls(
            paths=paths,
            env=env,
            endpoints=endpoints,
            settings_store=settings_store,
            settings=settings,
            state=StateStore(paths.state_file),
            history=history,
            media=media,
            secrets=secrets,
            credentials=credentials,
            catalog=catalog,
            health=health,
            engine=engine,
            chat=chat,
            client=client,
            executor=executor,
            images=ImageService(engine, history, media, executor),
            speech=TranscribeService(engine, history, media, executor),
            embeddings=EmbedService(engine, history, media, executor),
            jobs=jobs,
            video=VideoService(engine, jobs, history, media, executor),
        )
        await services.refresh_credentials()
        await services.move_address_keys_to_keyring()
        return services

    async def move_address_keys_to_keyring(self) -> None:
        """Keys an older version kept inside a custom server's address go to the keyring.

        Until that works (no keyring), the address stays as it was, so nothing is lost; the
        engine refuses to call it and says why.
        """
        moved = False
        for index, endpoint in enumerate(self.settings.custom_endpoints):
            url, key = split_credentials(endpoint.base_url)
            if key is None:
                continue
            try:
                await self.set_secret(endpoint.name, key)
            except SecretStoreError:
                continue
            self.settings.custom_endpoints[index] = replace(endpoint, base_url=url, needs_key=True)
            moved = True
        if moved:
            self.save_settings()

    async def aclose(self) -> None:
        """Close the client, save health, close the database, stop the pool without waiting.

        Video jobs still running at a provider are left running there (a quit is not a
        cancel) and resume at the next start.
        """
        try:
            await self.video.aclose()
            await self.catalog.aclose()
            await self.client.aclose()
        finally:
            self.health.save()
            self.history.close()
            self.jobs.close()
            self.engine.costs.close()
            self.executor.shutdown(wait=False, cancel_futures=True)

    async def run_blocking(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking call (keyring, Pillow, a big query) in the pool, off the loop."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    # --- Settings -----------------------------------------------------------------------

    def save_settings(self) -> None:
        """Write the settings file atomically (a few hundred bytes: fine on the loop)."""
        self.settings_store.save(self.settings)

    # --- Secrets ------------------------------------------------------------------------

    def credential_users(self) -> list[str]:
        """Every keyring user name we may hold: HF, the providers and the custom endpoints."""
        return [HF_CREDENTIAL, *[c.name for c in self.settings.custom_endpoints]]

    async def refresh_credentials(self) -> None:
        await self.credentials.refresh(self.secrets.get, self.credential_users(), self.executor)

    async def set_secret(self, user: str, secret: str) -> None:
        """Store a token or key in the keyring (off the loop) and use it from the next request.

        Raises the store's error (one sentence, never the secret) when the keyring refuses.
        """
        secret = secret.strip()
        await self.run_blocking(self.secrets.set, user, secret)
        self.credentials.remember(user, secret)
        self.health.forget_credential(user)

    async def delete_secret(self, user: str) -> None:
        await self.run_blocking(self.secrets.delete, user)
        self.credentials.remember(user, None)
