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
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from desktop.core.base_urls import split_credentials
from desktop.core.table import HF_CREDENTIAL, Endpoints
from desktop.engine.credentials import Credentials
from desktop.engine.health import HealthBook
from desktop.store.backups import daily_backup
from desktop.store.faults import (
    STORAGE_ERRORS,
    ensure_folders,
    history_unavailable,
    reason,
)
from desktop.store.history import HistoryError, HistoryStore
from desktop.store.jobs import JobStore, JobStoreError
from desktop.store.media import MediaStore
from desktop.store.paths import AppPaths
from desktop.store.secrets import SecretStore, SecretStoreError
from desktop.store.settings import Settings, SettingsStore
from desktop.store.state import StateStore
from desktop.store.worker import DbWorker

if TYPE_CHECKING:
    from desktop.engine.catalog import ModelCatalog
    from desktop.engine.conversations import ChatService
    from desktop.engine.embeddings import EmbedService
    from desktop.engine.images import ImageService
    from desktop.engine.model_directory import ModelDirectory
    from desktop.engine.router import Engine
    from desktop.engine.speak import SpeakService
    from desktop.engine.speech import TranscribeService
    from desktop.engine.style_book import StyleList
    from desktop.engine.video import VideoService
    from desktop.providers.http_client import PooledClient

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


def make_http_client() -> PooledClient:
    """The one HTTP client (:class:`desktop.providers.http_client.PooledClient`): pooled,
    HTTP/1.1, no client-side total timeout, chat requests sent straight to its pool.

    Blocking (it loads the certificate bundle): :meth:`Services.prepare_engine` runs it in
    the pool.
    """
    from desktop.providers.http_client import PooledClient

    return PooledClient()


def load_engine_modules() -> None:
    """Import the engine, the task services and the HTTP stack (blocking, about a tenth of a
    second): :meth:`Services.prepare_engine` runs it in the pool, off the loop."""
    import desktop.engine.conversations
    import desktop.engine.embeddings
    import desktop.engine.images
    import desktop.engine.model_directory
    import desktop.engine.router
    import desktop.engine.speak
    import desktop.engine.speech
    import desktop.engine.video  # noqa: F401


def _engine_client() -> PooledClient:
    """The engine's modules imported and the HTTP client made (blocking)."""
    load_engine_modules()
    return make_http_client()


@dataclass
class EngineParts:
    """The engine, its HTTP client and the task services: made on first use (issue 8).

    An idle window makes no request, so it need not hold the engine, the HTTP stack or the
    certificate bundle (about 15 MiB and a tenth of a second of imports)."""

    client: PooledClient
    catalog: ModelCatalog
    engine: Engine
    chat: ChatService
    images: ImageService
    speech: TranscribeService
    speak: SpeakService
    embeddings: EmbedService
    video: VideoService
    models: ModelDirectory

    @classmethod
    def build(cls, services: Services, client: PooledClient) -> EngineParts:
        """Everything around ``client`` (quick once the modules are imported)."""
        from desktop.engine.catalog import ModelCatalog
        from desktop.engine.conversations import ChatService
        from desktop.engine.embeddings import EmbedService
        from desktop.engine.images import ImageService
        from desktop.engine.model_directory import ModelDirectory
        from desktop.engine.router import Engine
        from desktop.engine.speak import SpeakService
        from desktop.engine.speech import TranscribeService
        from desktop.engine.video import VideoService

        paths, executor, db = services.paths, services.executor, services.db
        history, media, credentials = services.history, services.media, services.credentials

        def current_settings() -> Settings:
            return services.settings

        catalog = ModelCatalog(
            client, services.endpoints, paths.catalogue_cache_dir, executor=executor
        )
        engine = Engine(
            client,
            services.endpoints,
            credentials,
            catalog,
            services.health,
            current_settings,
            executor=executor,
        )
        engine.costs.attach(paths.data_dir, paths.config_dir, db)
        engine.styles.keep_in(paths.catalogue_cache_dir / "styles")
        models = ModelDirectory(
            client,
            services.endpoints,
            paths.catalogue_cache_dir / "models",
            settings=current_settings,
            credentials=credentials,
            health=services.health,
            picks=StateStore(paths.config_dir / "models.json"),
            executor=executor,
            catalog=catalog,
        )
        engine.custom_models = models.server_models
        return cls(
            client=client,
            catalog=catalog,
            engine=engine,
            chat=ChatService(engine, history, media, db, executor),
            images=ImageService(engine, history, media, db, executor),
            speech=TranscribeService(engine, history, media, db, executor),
            speak=SpeakService(engine, history, media, db, executor),
            embeddings=EmbedService(engine, history, media, db, executor),
            video=VideoService(engine, services.jobs, history, media, db, executor),
            models=models,
        )

    async def aclose(self) -> None:
        await self.video.aclose()
        await self.models.aclose()
        await self.catalog.aclose()
        await self.client.aclose()


@dataclass
class Services:
    """Everything a front end needs, opened together and closed together.

    The engine and the task services (``engine``, ``chat``, ``images`` … ``client``) are
    made on first use: :meth:`prepare_engine` makes them without holding up the loop, and a
    page that needs them at once gets them made there and then (:class:`EngineParts`)."""

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
    health: HealthBook
    executor: ThreadPoolExecutor
    db: DbWorker
    jobs: JobStore
    jobs_problem: str | None = None
    """Why video jobs cannot be resumed this time (``jobs.db`` unusable), or None."""
    history_read_only: bool = False
    """The history was opened read-only: reading works, saving says why it cannot."""
    _parts: EngineParts | None = field(default=None, repr=False)
    _making: Future[PooledClient] | None = field(default=None, repr=False)
    _closed: bool = field(default=False, repr=False)

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
        ensure_folders(paths)
        endpoints = Endpoints.from_env(env)
        if settings_store is None:
            settings_store = SettingsStore(paths.settings_file)
            settings = settings_store.load()
        else:
            settings = settings_store.loaded or settings_store.load()
        executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="switchboard")
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
            executor.shutdown(wait=False)
            raise
        try:
            await db.run(daily_backup, history, paths.backups_dir)
        except STORAGE_ERRORS as exc:  # a full disk must not keep the history from opening
            log.warning("The daily backup of the history failed: %s", exc)
        services = cls(
            paths=paths,
            env=env,
            endpoints=endpoints,
            settings_store=settings_store,
            settings=settings,
            state=state if state is not None else StateStore(paths.state_file),
            history=history,
            media=MediaStore(paths.media_dir),
            secrets=secrets,
            credentials=credentials,
            health=HealthBook(paths.health_file),
            executor=executor,
            db=db,
            jobs=jobs,
        )
        services.jobs_problem = jobs_problem
        services.history_read_only = read_only
        if wait_for_keyring:
            await services.load_credentials(before_keyring)
        else:
            loading = asyncio.ensure_future(services.load_credentials(before_keyring))
            credentials.load_in_background(loading)
        return services

    # --- The engine, made on first use ------------------------------------------------

    @property
    def engine_ready(self) -> bool:
        """True once the engine and the task services exist."""
        return self._parts is not None

    async def prepare_engine(self) -> None:
        """Make the engine and the task services without blocking the loop: the imports
        and the HTTP client (the certificate bundle) in the pool. Call it where a request
        is coming (a question being written, a page that sends); idempotent."""
        if self._parts is not None:
            return
        making = self._start_making()
        try:
            client = await asyncio.shield(asyncio.wrap_future(making))
        except Exception:
            if self._making is making:
                self._making = None  # the next use tries again (and says why)
            raise
        self._take(client)

    def _start_making(self) -> Future[PooledClient]:
        if self._closed:
            raise RuntimeError("Services are closed")
        if self._making is None:
            self._making = self.executor.submit(_engine_client)
        return self._making

    def _take(self, client: PooledClient) -> EngineParts:
        if self._closed:  # aclose closes the client made for nothing
            raise RuntimeError("Services are closed")
        if self._parts is None:
            self._parts = EngineParts.build(self, client)
        return self._parts

    def _engine_parts(self) -> EngineParts:
        """The parts; when :meth:`prepare_engine` has not made them yet, they are made in
        the pool all the same and waited for (a page that needs them as it is built)."""
        if self._parts is None:
            log.debug("Waiting for the engine on the loop (prepare_engine was not awaited)")
            self._take(self._start_making().result())
        assert self._parts is not None
        return self._parts

    @property
    def client(self) -> PooledClient:
        return self._engine_parts().client

    @property
    def catalog(self) -> ModelCatalog:
        return self._engine_parts().catalog

    @property
    def engine(self) -> Engine:
        return self._engine_parts().engine

    @property
    def chat(self) -> ChatService:
        return self._engine_parts().chat

    @property
    def images(self) -> ImageService:
        return self._engine_parts().images

    @property
    def speech(self) -> TranscribeService:
        return self._engine_parts().speech

    @property
    def speak(self) -> SpeakService:
        return self._engine_parts().speak

    @property
    def embeddings(self) -> EmbedService:
        return self._engine_parts().embeddings

    @property
    def video(self) -> VideoService:
        return self._engine_parts().video

    @property
    def models(self) -> ModelDirectory:
        return self._engine_parts().models

    @models.setter
    def models(self, value: ModelDirectory) -> None:  # tests put a fake in
        self._engine_parts().models = value

    def bill_to_organisations(self) -> list[str]:
        """The organisations the "Bill to" choices offer, read from the cost settings file
        until the engine (which keeps them) is made."""
        if self._parts is not None:
            return list(self._parts.engine.costs.cost_settings.organisations)
        from desktop.store.cost_settings import CostSettingsStore

        return list(CostSettingsStore(self.paths.config_dir).load().organisations)

    def cached_models(self, task: str) -> list[str]:
        """Model ids the catalogue's disk cache lists for ``task`` (for pickers), read
        without making the engine."""
        if self._parts is not None:
            return self._parts.catalog.cached_models(task)
        from desktop.engine.catalog import cached_models_in

        return cached_models_in(self.paths.catalogue_cache_dir, task)

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
        self._closed = True
        try:
            if self._making is not None and self._parts is None:
                # Made in the pool but never taken: close it all the same.
                with contextlib.suppress(Exception):
                    await (await asyncio.wrap_future(self._making)).aclose()
            if self._parts is not None:
                await self._parts.aclose()
        finally:
            self.health.save()
            self.db.close(self.history.close, self.jobs.close, *self._ledger_close())
            self.executor.shutdown(wait=False, cancel_futures=True)

    def _ledger_close(self) -> list[Callable[[], object]]:
        return [self._parts.engine.costs.close] if self._parts is not None else []

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
