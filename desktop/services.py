"""The composition of engine and stores that both the window and the command line use.

No Qt here: ``app.py`` wraps this in a window, ``cli.py`` in commands. One shared HTTP client,
one settings object, and two places for blocking work:

* ``db`` (:class:`~desktop.store.worker.DbWorker`), the one thread on which every history,
  library and job-store call runs, in the window and on the command line alike
  (``await services.db.run(services.history.search, text)``); the stores are opened and
  closed there too;
* ``executor``, a small pool for everything else that blocks (keyring, Pillow, file copies).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
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
from desktop.engine.model_directory import ModelDirectory
from desktop.engine.router import Engine
from desktop.engine.speak import SpeakService
from desktop.engine.speech import TranscribeService
from desktop.engine.style_book import StyleList
from desktop.engine.video import VideoService
from desktop.store.backups import daily_backup
from desktop.store.faults import (
    STORAGE_ERRORS,
    history_unavailable,
    reason,
    storage_fault,
)
from desktop.store.history import HistoryError, HistoryStore
from desktop.store.jobs import JobStore, JobStoreError
from desktop.store.media import MediaStore
from desktop.store.paths import AppPaths
from desktop.store.secrets import SecretStore, SecretStoreError
from desktop.store.settings import Settings, SettingsStore
from desktop.store.state import StateStore
from desktop.store.worker import DbWorker

T = TypeVar("T")
log = logging.getLogger(__name__)


def jobs_unavailable_text(exc: BaseException, path: Path) -> str:
    """The sentence for an unusable ``jobs.db``: only resuming videos is affected."""
    why = str(exc) if isinstance(exc, JobStoreError) else reason(exc, path)
    return (
        f"Videos still running at a provider cannot be resumed this time: {path.name} in "
        f"{path.parent} cannot be used ({why.rstrip('.')}). Everything else works; move the "
        "file aside to start a fresh one."
    )


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
    db: DbWorker
    images: ImageService
    speech: TranscribeService
    speak: SpeakService
    embeddings: EmbedService
    jobs: JobStore
    video: VideoService
    models: ModelDirectory
    jobs_problem: str | None = None
    """Why video jobs cannot be resumed this time (``jobs.db`` unusable), or None."""
    history_read_only: bool = False
    """The history was opened read-only: reading works, saving says why it cannot."""

    @classmethod
    async def open(
        cls,
        paths: AppPaths | None = None,
        env: Mapping[str, str] | None = None,
        *,
        read_only: bool = False,
        wait_for_keyring: bool = True,
        settings_store: SettingsStore | None = None,
        state: StateStore | None = None,
        before_keyring: Awaitable[object] | None = None,
    ) -> Services:
        """Open everything; ``read_only`` opens the history without writing to it (the
        way forward when its folder is read-only or another program holds it). With
        ``wait_for_keyring=False`` (the window) the keyring is read in the background:
        requests wait for it, the window does not (issue 8).

        The window reads its settings (theme) and state (size, tab) before it paints, and
        passes those stores in (``settings_store`` already loaded, so a damaged file is set
        aside and reported once); ``before_keyring`` (the keyring self-test) is awaited before
        the first keyring read.

        Raises:
            HistoryUnavailable: the history cannot be opened (one sentence naming the file).
            StorageFault: the data folders cannot be made.
        """
        env = dict(os.environ if env is None else env)
        paths = paths or AppPaths.default()
        try:
            paths.ensure()
        except OSError as exc:
            raise storage_fault(
                exc, f"Switchboard cannot use its folders ({exc.filename or paths.data_dir})"
            ) from exc
        endpoints = Endpoints.from_env(env)
        if settings_store is None:
            settings_store = SettingsStore(paths.settings_file)
            settings = settings_store.load()
        else:
            settings = settings_store.loaded or settings_store.load()
        executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="switchboard")
        # Loading the certificate bundle takes tens of milliseconds: off the loop, meanwhile.
        client_future = asyncio.get_running_loop().run_in_executor(executor, make_http_client)
        credentials = Credentials(env)
        secrets = SecretStore()
        db = DbWorker()
        jobs_problem: str | None = None
        try:
            try:
                history = await db.run(HistoryStore, paths.history_db, read_only=read_only)
            except (*STORAGE_ERRORS, HistoryError) as exc:
                raise history_unavailable(exc, paths.history_db) from exc
            try:
                jobs = await db.run(JobStore, paths.jobs_db)
            except (*STORAGE_ERRORS, JobStoreError) as exc:
                # Only resuming videos needs it: chat and everything else start anyway.
                log.warning("Cannot open %s: %s", paths.jobs_db, exc)
                jobs_problem = jobs_unavailable_text(exc, paths.jobs_db)
                jobs = await db.run(JobStore, Path(":memory:"))
            except BaseException:
                db.close(history.close)
                raise
        except BaseException:
            db.close()
            await (await client_future).aclose()
            executor.shutdown(wait=False)
            raise
        try:
            await db.run(daily_backup, history, paths.backups_dir)
        except STORAGE_ERRORS as exc:  # a full disk must not keep the history from opening
            log.warning("The daily backup of the history failed: %s", exc)
        media = MediaStore(paths.media_dir)
        client = await client_future
        catalog = ModelCatalog(client, endpoints, paths.catalogue_cache_dir, executor=executor)
        health = HealthBook(paths.health_file)
        services: Services

        def current_settings() -> Settings:
            return services.settings

        engine = Engine(
            client, endpoints, credentials, catalog, health, current_settings, executor=executor
        )
        engine.costs.attach(paths.data_dir, paths.config_dir, db)
        engine.styles.keep_in(paths.catalogue_cache_dir / "styles")
        chat = ChatService(engine, history, media, db, executor)
        models = ModelDirectory(
            client,
            endpoints,
            paths.catalogue_cache_dir / "models",
            settings=current_settings,
            credentials=credentials,
            health=health,
            picks=StateStore(paths.config_dir / "models.json"),
            executor=executor,
            catalog=catalog,
        )
        engine.custom_models = models.server_models
        services = cls(
            paths=paths,
            env=env,
            endpoints=endpoints,
            settings_store=settings_store,
            settings=settings,
            state=state if state is not None else StateStore(paths.state_file),
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
            db=db,
            images=ImageService(engine, history, media, db, executor),
            speech=TranscribeService(engine, history, media, db, executor),
            speak=SpeakService(engine, history, media, db, executor),
            embeddings=EmbedService(engine, history, media, db, executor),
            jobs=jobs,
            video=VideoService(engine, jobs, history, media, db, executor),
            models=models,
        )
        services.jobs_problem = jobs_problem
        services.history_read_only = read_only
        if wait_for_keyring:
            await services.load_credentials(before_keyring)
        else:
            loading = asyncio.ensure_future(services.load_credentials(before_keyring))
            credentials.load_in_background(loading)
        return services

    async def load_credentials(self, before: Awaitable[object] | None = None) -> None:
        """Read the keyring (once ``before`` is over), then move keys older versions kept in
        addresses into it."""
        if before is not None:
            try:
                await before
            except Exception:  # the read below meets the same problem and says it in words
                log.exception("The keyring check before reading keys failed")
        await self.refresh_credentials()
        await self.move_address_keys_to_keyring()

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
        """Close the client, save health, finish the queued database work and close the
        stores (on the database worker), stop the pool without waiting.

        Video jobs still running at a provider are left running there (a quit is not a
        cancel) and resume at the next start.
        """
        self.credentials.stop_loading()
        try:
            await self.video.aclose()
            await self.models.aclose()
            await self.catalog.aclose()
            await self.client.aclose()
        finally:
            self.health.save()
            self.db.close(self.history.close, self.jobs.close, self.engine.costs.close)
            self.executor.shutdown(wait=False, cancel_futures=True)

    async def search_styles(self, base: str, text: str = "") -> StyleList:
        """Styles (LoRA adapters) of ``base`` on the Hub, or a kept copy when it is out of
        reach; raises :class:`~desktop.providers.hub_adapters.AdapterProblem`."""
        return await self.engine.styles.search(base, text)

    async def run_blocking(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking call (keyring, Pillow, files) in the pool, off the loop.

        Not for the stores: history, library and job calls go through :attr:`db`."""
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
